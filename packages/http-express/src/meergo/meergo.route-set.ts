import { Router } from 'express';
import { buildOpenApi, mountRoutes, type RouteSpec } from '../shared/openapi.js';
import type { RouteSet, RouteSetContext } from '../shared/route-set.js';
import { meergoConnectionRoutes } from './meergo-connections.js';
import { meergoErrorHandler, meergoRouteNotFound } from './meergo-errors.js';
import { meergoPipelineRoutes } from './meergo-pipelines.routes.js';
import { meergoRunRoutes } from './meergo-runs.routes.js';
import { meergoWarehouseRoutes } from './meergo-warehouse.routes.js';

/**
 * The Meergo-style route set under /v1: pipelines by int id, status, schedule, runs with
 * stage counters, warehouse mode. Run routes are mounted first: `/v1/pipelines/runs` must
 * not be taken for a pipeline id.
 */
export function meergoRouteSet(ctx: RouteSetContext): RouteSet {
  const specs: RouteSpec[] = [
    ...meergoRunRoutes(ctx.core),
    ...meergoPipelineRoutes(ctx.core),
    ...meergoWarehouseRoutes(ctx.core),
    ...meergoConnectionRoutes(ctx.core),
  ];
  const router = Router();
  // Meergo's API answers are never cached (its headers, for HTTP/1.0 caches too).
  router.use('/v1', (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store, max-age=0');
    res.setHeader('Pragma', 'no-cache');
    res.setHeader('Expires', '0');
    next();
  });
  mountRoutes(router, specs);
  router.use('/v1', (_req, _res, next) => next(meergoRouteNotFound()));
  router.use('/v1', meergoErrorHandler);
  return {
    name: 'meergo',
    router,
    openapi: buildOpenApi(
      {
        title: 'Pipewright — Meergo-style API',
        version: ctx.version ?? '0.1.0',
        description:
          'Pipelines by int id, runs with per-stage counters, connections, workspace selection by key or Meergo-Workspace header.',
      },
      specs,
      {
        schemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'api_<43 base62> personal key, or an access token with Meergo-Workspace',
          },
        },
        default: [{ bearer: [] }],
      },
    ),
  };
}
