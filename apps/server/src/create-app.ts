import 'reflect-metadata';
import { noScheduler, randomIds, systemClock, type Clock, type Core, type IdGenerator, type Scheduler, type Storage } from '@pipewright/core';
import { EgressPolicy, InProcessExecutor, type EngineOptions, type StageSandboxOptions } from '@pipewright/engine';
import { QueueConnection, QueueExecutor, QueueWorker, fenceRuns } from '@pipewright/executor-queue';
import { NodeCronScheduler, migrateScheduler, pgListener } from '@pipewright/scheduler-node-cron';
import pg from 'pg';
import { UploadSpool, flowRouteSet, meergoRouteSet, nativeRouteSet, opsRouter, unstractRouteSet, zenmlRouteSet, type OpenApiDocument, type RouteSet, type RouteSetContext, type RouteSetFactory } from '@pipewright/http-express';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Container } from 'inversify';
import { bootstrapAdmin } from './bootstrap.js';
import { loadConfig, type ServerConfig } from './config.js';
import { TYPES, buildContainer } from './container.js';
import { FanOutEvents } from './fan-out-events.js';
import { createLogger, type Logger } from './logger.js';
import { ServerMetrics, routeSetOfPath } from './metrics.js';
import { openStorage, type StorageHandle } from './open-storage.js';
import { requestQueryScope } from './request-scope.js';
import { scheduleFiresRoutes } from './schedule-fires.routes.js';
import { workersRoutes } from './workers.routes.js';
import { createSecurity } from '@pipewright/security';
import { loadServerSecret } from './server-secret.js';

export const VERSION = '0.1.0';

export interface CreateAppOptions {
  /** Overrides on top of the environment's configuration. */
  config?: Partial<ServerConfig>;
  env?: NodeJS.ProcessEnv;
  /** A storage with its lifecycle; default: Postgres at DATABASE_URL, else PGlite in the data folder. */
  storage?: StorageHandle;
  /** Route sets to mount (default: all). Each is a factory over the core services. */
  routeSets?: RouteSetFactory[];
  logger?: Logger;
  clock?: Clock;
  ids?: IdGenerator;
  /** Engine settings (connector registry, handlers …) on top of the configuration's. */
  engine?: EngineOptions;
  /**
   * Create the first admin (`config.adminEmail` with `config.adminPassword`, in `config.defaultOrg`)
   * when no user exists, as `npm start` does; without a password one is generated and printed once to stderr.
   */
  bootstrapAdmin?: boolean;
}

export interface PipewrightApp {
  app: Express;
  core: Core;
  container: Container;
  config: ServerConfig;
  logger: Logger;
  metrics: ServerMetrics;
  storage: Storage;
  routeSets: RouteSet[];
  /** The run engine (its registry is where embedders add connectors and handlers); idle in an api-only process. */
  executor: InProcessExecutor;
  /** Where uploaded files wait for their runs (`<dataDir>/uploads`), with their caps and the organizations' upload budget. */
  uploads: UploadSpool;
  /** The queue runs go through when `config.executor` is `queue`. */
  queue: QueueConnection | null;
  /** This process's queue worker (the worker role with the queue executor). */
  worker: QueueWorker | null;
  /** The scheduler, when this process runs one (a SQL storage and PIPEWRIGHT_SCHEDULER on). */
  scheduler: NodeCronScheduler | null;
  /** Database reachable and migrated. */
  ready(): Promise<boolean>;
  /** Stops background work and closes the database. */
  close(): Promise<void>;
}

/**
 * The egress policy of the configuration: the operator's allow and deny lists; multi-organization
 * (loopback and private ranges refused) when the server runs on Postgres; the control database
 * (DATABASE_URL) refused unless PIPEWRIGHT_EGRESS_ALLOW_CONTROL_DATABASE is on.
 */
export function egressPolicy(config: Pick<ServerConfig, 'databaseUrl' | 'egressAllow' | 'egressDeny' | 'egressAllowControlDatabase'>): EgressPolicy {
  return EgressPolicy.fromConfig({
    allow: config.egressAllow,
    deny: config.egressDeny,
    multiOrganization: !!config.databaseUrl,
    controlDatabaseUrl: config.databaseUrl ?? null,
    allowControlDatabase: config.egressAllowControlDatabase,
  });
}

/**
 * The engine's stage sandbox of the configuration: tenants' stages in child processes with a
 * heap and a time limit (PIPEWRIGHT_STAGE_*), or `false` (PIPEWRIGHT_STAGE_SANDBOX=off): on the
 * server's thread. Children start only in a process that executes runs (`warm`), on its first run otherwise.
 */
export function stageSandbox(config: Pick<ServerConfig, 'stageSandbox' | 'stageMemoryMb' | 'stageBatchTimeoutMs' | 'stageWorkers'>): StageSandboxOptions | false {
  if (!config.stageSandbox) return false;
  return { size: config.stageWorkers, heapMb: config.stageMemoryMb, batchTimeoutMs: config.stageBatchTimeoutMs };
}

/** Where uploads are received (`<dataDir>/uploads`) and the caps they are held to (PIPEWRIGHT_UPLOAD_*). */
export function uploadSpool(config: Pick<ServerConfig, 'dataDir' | 'uploadMaxFileMb' | 'uploadMaxRequestMb' | 'uploadMaxOrgMb'>): UploadSpool {
  const MiB = 1024 * 1024;
  return new UploadSpool({
    dir: join(config.dataDir, 'uploads'),
    maxFileBytes: config.uploadMaxFileMb * MiB,
    maxRequestBytes: config.uploadMaxRequestMb * MiB,
    maxOrgBytes: config.uploadMaxOrgMb * MiB,
  });
}

/** Every dialect this server speaks, in mount order (ZenML last: it owns the rest of /api/v1). */
export function defaultRouteSets(config: Pick<ServerConfig, 'loginRateLimitPerMinute'>, extra: { native?: Parameters<typeof nativeRouteSet>[1] } = {}): RouteSetFactory[] {
  return [
    (ctx) => nativeRouteSet(ctx, extra.native),
    (ctx) => unstractRouteSet(ctx),
    (ctx) => flowRouteSet(ctx),
    (ctx) => meergoRouteSet(ctx),
    (ctx) => zenmlRouteSet(ctx, { loginPerMinute: config.loginRateLimitPerMinute }),
  ];
}

/**
 * Builds the whole server without listening on a port: storage (migrated), core services
 * bound in the container, and an Express app with the route sets mounted.
 */
export async function createApp(options: CreateAppOptions = {}): Promise<PipewrightApp> {
  const config: ServerConfig = { ...loadConfig(options.env ?? process.env), ...options.config };
  const logger = options.logger ?? createLogger(config.logLevel);
  const handle = options.storage ?? (await openStorage(config));
  await handle.migrate();
  let migrated = true;

  const { secret, generated } = loadServerSecret(config.secret, config.dataDir);
  if (generated) logger.warn({ dataDir: config.dataDir }, 'PIPEWRIGHT_SECRET is not set: generated one into the data folder. Set it in production.');
  const metrics = new ServerMetrics();
  // One egress policy for every connector target this process reaches (runs, connection tests
  // and saves): with DATABASE_URL the server is multi-organization, and its own database is refused.
  const egress = egressPolicy(config);
  const executor = new InProcessExecutor({
    fileRoot: config.fileRoot,
    concurrency: config.runConcurrency,
    // A queue worker's engine runs what the queue hands it: the queue holds each organization to its limit across workers.
    organizationConcurrency: config.orgRunConcurrency ?? (config.executor === 'queue' && config.roles.includes('worker') ? config.runConcurrency : undefined),
    leaseMs: config.runLeaseMs,
    runTimeoutMs: config.runTimeoutMs,
    egress,
    sandbox: stageSandbox(config),
    ...options.engine,
    onError: (err, context) => logger.error({ err, context }, 'run engine error'),
  });

  // The scheduler keeps its ledger next to the data; it fires through the core built below.
  let core: Core | null = null;
  let scheduler: NodeCronScheduler | null = null;
  let listenPool: pg.Pool | null = null;
  // api/scheduler without the worker role hand runs to worker processes through the queue.
  let queue: QueueConnection | null = null;
  if (config.executor === 'queue') {
    if (!config.databaseUrl) throw new Error('The queue executor (PIPEWRIGHT_ROLES without worker, or PIPEWRIGHT_EXECUTOR=queue) needs DATABASE_URL: the queue lives in Postgres.');
    queue = await QueueConnection.open({ connectionString: config.databaseUrl, onError: (err, context) => logger.error({ err, context }, 'run queue error') });
    metrics.watchQueue({ depth: () => queue!.depth(), workers: () => queue!.workers.list() });
  }
  if (config.schedulerEnabled && config.roles.includes('scheduler') && handle.db) {
    await migrateScheduler(handle.db);
    if (config.databaseUrl) {
      listenPool = new pg.Pool({ connectionString: config.databaseUrl, max: 1 });
      listenPool.on('error', (err) => logger.warn({ err }, 'schedule listener connection lost'));
    }
    scheduler = new NodeCronScheduler({
      db: handle.db,
      fire: (pipelineId) => core!.runs.triggerScheduled(pipelineId),
      loadScheduled: () => handle.storage.pipelines.listScheduled(),
      misfirePolicy: config.misfirePolicy,
      minIntervalSeconds: config.minScheduleIntervalSeconds,
      clock: options.clock,
      ...(listenPool ? { listen: pgListener(listenPool) } : {}),
      onFire: (event) => metrics.scheduleFires.inc({ outcome: event.result.outcome }),
      onError: (err, context) => logger.error({ err, context }, 'scheduler error'),
    });
  }

  const container = buildContainer({
    storage: handle.storage,
    clock: options.clock ?? systemClock,
    ids: options.ids ?? randomIds,
    ...createSecurity(secret),
    scheduler: (scheduler as Scheduler | null) ?? noScheduler,
    // The engine reports to the core it serves: attached right after the core is built.
    executor: queue ? new QueueExecutor(queue) : executor,
    events: new FanOutEvents([metrics]),
    definitions: executor.definitions,
    connectionKinds: executor.connectionKinds,
    settings: { minScheduleIntervalSeconds: config.minScheduleIntervalSeconds, tokenTtlSeconds: config.tokenTtlSeconds, serverOrgSlug: config.defaultOrg },
  });
  core = container.get<Core>(TYPES.Core);
  if (options.bootstrapAdmin) await bootstrapAdmin(core, config, logger);
  const queueWorker = queue !== null && config.roles.includes('worker');
  // A queue worker's engine checks at each heartbeat that the run is still the one it began.
  executor.attach(queueWorker ? fenceRuns(core) : core);
  // Runs left EXECUTING by a process that died end as ERROR "interrupted", now and periodically
  // (with the queue, workers do it, restarting the runs of workflows with retryOnInterrupt).
  if (!queue) await executor.startRecovery();
  let worker: QueueWorker | null = null;
  if (queue && queueWorker) {
    worker = new QueueWorker({
      connection: queue,
      connectionString: config.databaseUrl!,
      core,
      engine: executor,
      concurrency: config.runConcurrency,
      organizationConcurrency: config.orgRunConcurrency,
      recoveryIntervalMs: Math.min(5_000, Math.max(500, Math.floor(config.runLeaseMs / 3))),
      onError: (err, context) => logger.error({ err, context }, 'queue worker error'),
    });
    await worker.start();
    logger.info({ worker: worker.id, concurrency: config.runConcurrency, stageSandbox: executor.sandboxed }, 'queue worker started');
  }
  if (scheduler) await scheduler.start();

  // Uploaded files wait on disk (not in memory) until their runs consume them; leftovers of a dead process are swept now.
  const uploads = uploadSpool(config);
  await uploads.open();
  const registry = executor.registry;
  const ctx: RouteSetContext = {
    core,
    uploads,
    publicUrl: config.publicUrl,
    version: VERSION,
    connectors: () => [
      ...registry.sources().map((c) => ({ ...c, kind: 'source' as const })),
      ...registry.destinations().map((c) => ({ ...c, kind: 'destination' as const })),
    ],
    connectionKinds: () => registry.connectionKinds(),
  };
  const routeSets = (options.routeSets ?? defaultRouteSets(config, { native: [scheduleFiresRoutes(() => scheduler), workersRoutes(() => queue?.workers ?? null)] })).map((factory) => factory(ctx));
  const documents = (): Record<string, OpenApiDocument> => Object.fromEntries(routeSets.map((s) => [s.name, s.openapi]));

  const ready = async () => {
    if (!migrated) return false;
    try {
      await handle.storage.ping();
      return true;
    } catch {
      return false;
    }
  };

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
  app.use(opsRouter({ ready, metrics: () => metrics.render(), metricsToken: config.metricsToken, documents }));
  // A process without the api role (scheduler/worker only) answers health, readiness and metrics only.
  if (config.roles.includes('api')) for (const set of routeSets) app.use(set.router);
  app.use((_req, res) => {
    res.status(404).json({ detail: 'Not Found' });
  });
  app.use((err: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) => {
    req.log?.error({ err }, 'unhandled error');
    if (!res.headersSent) res.status(500).type('text/plain').send('Internal Server Error');
  });

  return {
    app,
    core,
    container,
    config,
    logger,
    metrics,
    storage: handle.storage,
    routeSets,
    executor,
    uploads,
    queue,
    worker,
    scheduler,
    ready,
    async close() {
      if (!migrated) return;
      migrated = false;
      await scheduler?.stop();
      if (worker) await worker.stop(config.shutdownGraceMs);
      else await executor.drain(config.shutdownGraceMs);
      await uploads.close();
      await queue?.close();
      await listenPool?.end();
      await handle.close();
    },
  };
}
