import type { Core } from '@pipewright/core';
import type { InProcessExecutor } from '@pipewright/engine';
import {
  flowRouteSet,
  meergoRouteSet,
  nativeRouteSet,
  opsRouter,
  unstractRouteSet,
  zenmlRouteSet,
  type NativeRouteContribution,
  type OpenApiDocument,
  type RouteSet,
  type RouteSetContext,
  type RouteSetFactory,
  type UploadSpool,
} from '@pipewright/http-express';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { ContainerModule } from 'inversify';
import { randomUUID } from 'node:crypto';
import { pinoHttp } from 'pino-http';
import type { ServerConfig } from './config.js';
import { TYPES } from './container.js';
import type { Logger } from './logger.js';
import { ServerMetrics, routeSetOfPath } from './metrics.js';
import type { StorageHandle } from './open-storage.js';
import { requestQueryScope } from './request-scope.js';

export const VERSION = '0.1.0';

/** Every dialect this server speaks, in mount order (ZenML last: it owns the rest of /api/v1). */
export function defaultRouteSets(
  config: Pick<ServerConfig, 'loginRateLimitPerMinute'>,
  extra: { native?: NativeRouteContribution[] } = {},
): RouteSetFactory[] {
  return [
    (ctx) => nativeRouteSet(ctx, extra.native),
    (ctx) => unstractRouteSet(ctx),
    (ctx) => flowRouteSet(ctx),
    (ctx) => meergoRouteSet(ctx),
    (ctx) => zenmlRouteSet(ctx, { loginPerMinute: config.loginRateLimitPerMinute }),
  ];
}

/** Whether the process answers: the database reachable and migrated, and not closed. */
export class Readiness {
  private open = true;
  constructor(private readonly storage: StorageHandle['storage']) {}

  async check(): Promise<boolean> {
    if (!this.open) return false;
    try {
      await this.storage.ping();
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    this.open = false;
  }
}

/** The HTTP side: the route sets over the core (`routeSets`, default: all) and the Express app around them. */
export function httpModule(routeSets?: RouteSetFactory[]): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<Readiness>(TYPES.Readiness).toDynamicValue(
      async (ctx) => new Readiness((await ctx.getAsync<StorageHandle>(TYPES.StorageHandle)).storage),
    );
    bind<RouteSet[]>(TYPES.RouteSets).toDynamicValue(async (ctx) => {
      const config = ctx.get<ServerConfig>(TYPES.Config);
      const registry = ctx.get<InProcessExecutor>(TYPES.Engine).registry;
      const routeSetContext: RouteSetContext = {
        core: await ctx.getAsync<Core>(TYPES.Core),
        uploads: ctx.get<UploadSpool>(TYPES.Uploads),
        publicUrl: config.publicUrl,
        allowedHosts: config.allowedHosts,
        version: VERSION,
        connectors: () => [
          ...registry.sources().map((c) => ({ ...c, kind: 'source' as const })),
          ...registry.destinations().map((c) => ({ ...c, kind: 'destination' as const })),
        ],
        connectionKinds: () => registry.connectionKinds(),
      };
      return (routeSets ?? defaultRouteSets(config)).map((factory) => factory(routeSetContext));
    });
    bind<Express>(TYPES.HttpApp).toDynamicValue(async (ctx) => {
      const config = ctx.get<ServerConfig>(TYPES.Config);
      const sets = await ctx.getAsync<RouteSet[]>(TYPES.RouteSets);
      const readiness = await ctx.getAsync<Readiness>(TYPES.Readiness);
      return expressApp(config, ctx.get<Logger>(TYPES.Logger), ctx.get<ServerMetrics>(TYPES.Metrics), sets, readiness);
    });
  });
}

function expressApp(
  config: ServerConfig,
  logger: Logger,
  metrics: ServerMetrics,
  routeSets: RouteSet[],
  readiness: Readiness,
): Express {
  const documents = (): Record<string, OpenApiDocument> =>
    Object.fromEntries(routeSets.map((s) => [s.name, s.openapi]));
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  if (config.trustProxy !== undefined) app.set('trust proxy', config.trustProxy);
  app.use(helmet({ contentSecurityPolicy: false }));
  // Answers carry tokens, keys and tenants' data: no cache (browser, proxy) may keep them.
  app.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const id = (req.headers['x-request-id'] as string | undefined)?.slice(0, 128) || randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
    }),
  );
  app.use(metrics.middleware(routeSetOfPath));
  // A reading request's statements are cancelled in Postgres when its client goes away.
  app.use(requestQueryScope());
  app.use(
    opsRouter({
      ready: () => readiness.check(),
      metrics: () => metrics.render(),
      metricsToken: config.metricsToken,
      documents,
    }),
  );
  // A process without the api role (scheduler/worker only) answers health, readiness and metrics only.
  if (config.roles.includes('api')) for (const set of routeSets) app.use(set.router);
  app.use((_req, res) => {
    res.status(404).json({ detail: 'Not Found' });
  });
  app.use((err: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) => {
    req.log?.error({ err }, 'unhandled error');
    if (!res.headersSent) res.status(500).type('text/plain').send('Internal Server Error');
  });
  return app;
}
