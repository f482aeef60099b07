import 'reflect-metadata';
import type { Clock, Core, IdGenerator, Storage } from '@pipewright/core';
import type { EngineOptions, InProcessExecutor } from '@pipewright/engine';
import type { QueueConnection, QueueWorker } from '@pipewright/executor-queue';
import type { RouteSet, RouteSetFactory, UploadSpool } from '@pipewright/http-express';
import type { NodeCronScheduler } from '@pipewright/scheduler-node-cron';
import type { Express } from 'express';
import type { Container } from 'inversify';
import type pg from 'pg';
import { bootstrapAdmin } from './bootstrap.js';
import { loadConfig, type ServerConfig } from './config.js';
import { TYPES, newContainer } from './container.js';
import { coreModule } from './core.module.js';
import { httpModule, type Readiness } from './http.module.js';
import { infrastructureModule } from './infrastructure.module.js';
import { createLogger, type Logger } from './logger.js';
import type { ServerMetrics } from './metrics.js';
import type { StorageHandle } from './open-storage.js';

export { egressPolicy, stageSandbox, uploadSpool } from './infrastructure.module.js';
export { VERSION, defaultRouteSets } from './http.module.js';

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
  /**
   * Called with the container before anything is resolved: rebind a port (`TYPES.EventSink`,
   * `TYPES.Executor` …) to an adapter of your own, and the core is built with it.
   */
  configureContainer?: (container: Container) => void | Promise<void>;
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
 * The server's container: infrastructure (adapters bound to the core's ports), the core, and
 * the HTTP side, nothing resolved yet.
 */
export function buildContainer(
  config: ServerConfig,
  logger: Logger,
  options: Omit<CreateAppOptions, 'config' | 'env' | 'logger'> = {},
): Container {
  const container = newContainer();
  container.load(
    infrastructureModule({
      config,
      logger,
      storage: options.storage,
      clock: options.clock,
      ids: options.ids,
      engine: options.engine,
    }),
    coreModule,
    httpModule(options.routeSets),
  );
  return container;
}

/**
 * Builds the whole server without listening on a port: storage (migrated), core services
 * resolved from the container, and an Express app with the route sets mounted; then starts
 * this process's background work (recovery, queue worker, scheduler).
 */
export async function createApp(options: CreateAppOptions = {}): Promise<PipewrightApp> {
  const config: ServerConfig = { ...loadConfig(options.env ?? process.env), ...options.config };
  const logger = options.logger ?? createLogger(config.logLevel);
  const container = buildContainer(config, logger, options);
  await options.configureContainer?.(container);

  const handle = await container.getAsync<StorageHandle>(TYPES.StorageHandle);
  const core = await container.getAsync<Core>(TYPES.Core);
  const executor = container.get<InProcessExecutor>(TYPES.Engine);
  const queue = await container.getAsync<QueueConnection | null>(TYPES.Queue);
  const scheduler = await container.getAsync<NodeCronScheduler | null>(TYPES.CronScheduler);
  const listenPool = scheduler ? container.get<pg.Pool | null>(TYPES.ScheduleListenPool) : null;

  if (options.bootstrapAdmin) await bootstrapAdmin(core, config, logger);
  // The engine reports to the core it serves; the run's lease holder (core) fences an engine whose run was taken over.
  executor.attach(core);
  // Runs left EXECUTING by a process that died end as ERROR "interrupted", now and periodically
  // (with the queue, workers do it, restarting the runs of workflows with retryOnInterrupt).
  if (!queue) await executor.startRecovery();
  const worker = await container.getAsync<QueueWorker | null>(TYPES.QueueWorker);
  if (worker) {
    await worker.start();
    logger.info(
      { worker: worker.id, concurrency: config.runConcurrency, stageSandbox: executor.sandboxed },
      'queue worker started',
    );
  }
  if (scheduler) await scheduler.start();

  // Leftovers of a dead process are swept now.
  const uploads = container.get<UploadSpool>(TYPES.Uploads);
  await uploads.open();
  const routeSets = await container.getAsync<RouteSet[]>(TYPES.RouteSets);
  const app = await container.getAsync<Express>(TYPES.HttpApp);
  const readiness = await container.getAsync<Readiness>(TYPES.Readiness);
  let open = true;

  return {
    app,
    core,
    container,
    config,
    logger,
    metrics: container.get<ServerMetrics>(TYPES.Metrics),
    storage: handle.storage,
    routeSets,
    executor,
    uploads,
    queue,
    worker,
    scheduler,
    ready: () => readiness.check(),
    async close() {
      if (!open) return;
      open = false;
      readiness.close();
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
