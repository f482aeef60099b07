import { createHash, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import type { OpenApiDocument } from '../shared/openapi.js';

export interface OpsOptions {
  /** Resolves when the server can serve requests (database reachable, migrations done). */
  ready: () => Promise<boolean>;
  /** Prometheus exposition text and its content type. */
  metrics?: () => Promise<{ contentType: string; body: string }>;
  /** When set, `/metrics` answers only a request with `Authorization: Bearer <metricsToken>`. */
  metricsToken?: string;
  /** The OpenAPI documents, by route set name. */
  documents: () => Record<string, OpenApiDocument>;
}

/** /healthz (process up), /readyz (dependencies up), /metrics, /docs. */
export function opsRouter(options: OpsOptions): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const ready = await options.ready().catch(() => false);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable' });
  });
  if (options.metrics) {
    const metrics = options.metrics;
    const wanted = options.metricsToken ? digest(`Bearer ${options.metricsToken}`) : null;
    router.get('/metrics', async (req, res) => {
      if (wanted && !timingSafeEqual(wanted, digest(req.get('authorization') ?? ''))) {
        res
          .status(401)
          .set('WWW-Authenticate', 'Bearer')
          .json({ detail: 'The metrics need a bearer token (PIPEWRIGHT_METRICS_TOKEN).' });
        return;
      }
      const m = await metrics();
      res.type(m.contentType).send(m.body);
    });
  }
  router.get('/docs', (req, res) => {
    const names = Object.keys(options.documents());
    res.json({
      documents: names.map((name) => ({
        name,
        url: `${req.baseUrl}/docs/${name}.json`,
        title: options.documents()[name]!.info.title,
      })),
    });
  });
  router.get('/docs/:name.json', (req, res) => {
    const doc = options.documents()[String(req.params.name)];
    if (!doc) res.status(404).json({ detail: 'No such document' });
    else res.json(doc);
  });
  return router;
}

/** Fixed-length digests, so that the comparison takes the same time whatever the header's length. */
const digest = (value: string) => createHash('sha256').update(value).digest();
