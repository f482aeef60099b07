import {
  noScheduler,
  randomIds,
  systemClock,
  type Clock,
  type ConnectionKinds,
  type Core,
  type DefinitionValidator,
  type EventSink,
  type Executor,
  type IdGenerator,
  type ScheduleFireLedger,
  type Scheduler,
  type SecretHasher,
  type SecretSealer,
  type Storage,
  type TokenSigner,
  type WorkerDirectory,
} from '@pipewright/core';
import { EgressPolicy, InProcessExecutor, type EngineOptions, type StageSandboxOptions } from '@pipewright/engine';
import { QueueConnection, QueueExecutor, QueueWorker } from '@pipewright/executor-queue';
import { UploadSpool } from '@pipewright/http-express';
import { NodeCronScheduler, migrateScheduler, pgListener } from '@pipewright/scheduler-node-cron';
import { createSecurity, type Security } from '@pipewright/security';
import { ContainerModule } from 'inversify';
import { join } from 'node:path';
import pg from 'pg';
import type { ServerConfig } from './config.js';
import { TYPES } from './container.js';
import { FanOutEvents } from './fan-out-events.js';
import type { Logger } from './logger.js';
import { ServerMetrics } from './metrics.js';
import { openStorage, type StorageHandle } from './open-storage.js';
import { loadServerSecret } from './server-secret.js';

/**
 * The egress policy of the configuration: the operator's allow and deny lists; multi-organization
 * (loopback and private ranges refused) when the server runs on Postgres; the control database
 * (DATABASE_URL) refused unless PIPEWRIGHT_EGRESS_ALLOW_CONTROL_DATABASE is on.
 */
export function egressPolicy(
  config: Pick<ServerConfig, 'databaseUrl' | 'egressAllow' | 'egressDeny' | 'egressAllowControlDatabase'>,
): EgressPolicy {
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
export function stageSandbox(
  config: Pick<ServerConfig, 'stageSandbox' | 'stageMemoryMb' | 'stageBatchTimeoutMs' | 'stageWorkers'>,
): StageSandboxOptions | false {
  if (!config.stageSandbox) return false;
  return { size: config.stageWorkers, heapMb: config.stageMemoryMb, batchTimeoutMs: config.stageBatchTimeoutMs };
}

/** Where uploads are received (`<dataDir>/uploads`) and the caps they are held to (PIPEWRIGHT_UPLOAD_*). */
export function uploadSpool(
  config: Pick<ServerConfig, 'dataDir' | 'uploadMaxFileMb' | 'uploadMaxRequestMb' | 'uploadMaxOrgMb'>,
): UploadSpool {
  const MiB = 1024 * 1024;
  return new UploadSpool({
    dir: join(config.dataDir, 'uploads'),
    maxFileBytes: config.uploadMaxFileMb * MiB,
    maxRequestBytes: config.uploadMaxRequestMb * MiB,
    maxOrgBytes: config.uploadMaxOrgMb * MiB,
  });
}

export interface InfrastructureOptions {
  config: ServerConfig;
  logger: Logger;
  /** A storage with its lifecycle; default: Postgres at DATABASE_URL, else PGlite in the data folder. */
  storage?: StorageHandle;
  clock?: Clock;
  ids?: IdGenerator;
  /** Engine settings on top of the configuration's. */
  engine?: EngineOptions;
}

/**
 * The adapters, each bound to the port it serves: storage (opened and migrated when first
 * resolved), security, the run engine or the run queue, the scheduler, events, uploads.
 */
export function infrastructureModule(options: InfrastructureOptions): ContainerModule {
  const { config, logger } = options;
  return new ContainerModule(({ bind }) => {
    bind<ServerConfig>(TYPES.Config).toConstantValue(config);
    bind<Logger>(TYPES.Logger).toConstantValue(logger);
    bind<ServerMetrics>(TYPES.Metrics).toDynamicValue(() => new ServerMetrics());

    bind<StorageHandle>(TYPES.StorageHandle).toDynamicValue(async () => {
      const handle = options.storage ?? (await openStorage(config));
      await handle.migrate();
      return handle;
    });
    bind<Storage>(TYPES.Storage).toDynamicValue(
      async (ctx) => (await ctx.getAsync<StorageHandle>(TYPES.StorageHandle)).storage,
    );
    bind<Clock>(TYPES.Clock).toConstantValue(options.clock ?? systemClock);
    bind<IdGenerator>(TYPES.IdGenerator).toConstantValue(options.ids ?? randomIds);

    bind<Security>(TYPES.Security).toDynamicValue(() => {
      const { secret, generated } = loadServerSecret(config.secret, config.dataDir);
      if (generated)
        logger.warn(
          { dataDir: config.dataDir },
          'PIPEWRIGHT_SECRET is not set: generated one into the data folder. Set it in production.',
        );
      return createSecurity(secret);
    });
    bind<SecretHasher>(TYPES.SecretHasher).toDynamicValue((ctx) => ctx.get<Security>(TYPES.Security).hasher);
    bind<SecretSealer>(TYPES.SecretSealer).toDynamicValue((ctx) => ctx.get<Security>(TYPES.Security).sealer);
    bind<TokenSigner>(TYPES.TokenSigner).toDynamicValue((ctx) => ctx.get<Security>(TYPES.Security).tokens);

    // One egress policy for every connector target this process reaches (runs, connection tests
    // and saves): with DATABASE_URL the server is multi-organization, and its own database is refused.
    bind<InProcessExecutor>(TYPES.Engine).toDynamicValue(
      () =>
        new InProcessExecutor({
          fileRoot: config.fileRoot,
          concurrency: config.runConcurrency,
          // A queue worker's engine runs what the queue hands it: the queue holds each organization to its limit across workers.
          organizationConcurrency:
            config.orgRunConcurrency ??
            (config.executor === 'queue' && config.roles.includes('worker') ? config.runConcurrency : undefined),
          leaseMs: config.runLeaseMs,
          runTimeoutMs: config.runTimeoutMs,
          egress: egressPolicy(config),
          sandbox: stageSandbox(config),
          ...options.engine,
          onError: (err, context) => logger.error({ err, context }, 'run engine error'),
        }),
    );
    bind<DefinitionValidator>(TYPES.DefinitionValidator).toDynamicValue(
      (ctx) => ctx.get<InProcessExecutor>(TYPES.Engine).definitions,
    );
    bind<ConnectionKinds>(TYPES.ConnectionKinds).toDynamicValue(
      (ctx) => ctx.get<InProcessExecutor>(TYPES.Engine).connectionKinds,
    );

    // api/scheduler without the worker role hand runs to worker processes through the queue.
    bind<QueueConnection | null>(TYPES.Queue).toDynamicValue(async (ctx) => {
      if (config.executor !== 'queue') return null;
      if (!config.databaseUrl)
        throw new Error(
          'The queue executor (PIPEWRIGHT_ROLES without worker, or PIPEWRIGHT_EXECUTOR=queue) needs DATABASE_URL: the queue lives in Postgres.',
        );
      const queue = await QueueConnection.open({
        connectionString: config.databaseUrl,
        onError: (err, context) => logger.error({ err, context }, 'run queue error'),
      });
      ctx
        .get<ServerMetrics>(TYPES.Metrics)
        .watchQueue({ depth: () => queue.depth(), workers: () => queue.workers.list() });
      return queue;
    });
    bind<Executor>(TYPES.Executor).toDynamicValue(async (ctx) => {
      const queue = await ctx.getAsync<QueueConnection | null>(TYPES.Queue);
      return queue ? new QueueExecutor(queue) : ctx.get<InProcessExecutor>(TYPES.Engine);
    });
    bind<WorkerDirectory | null>(TYPES.WorkerDirectory).toDynamicValue(
      async (ctx) => (await ctx.getAsync<QueueConnection | null>(TYPES.Queue))?.workers ?? null,
    );
    bind<QueueWorker | null>(TYPES.QueueWorker).toDynamicValue(async (ctx) => {
      const queue = await ctx.getAsync<QueueConnection | null>(TYPES.Queue);
      if (!queue || !config.roles.includes('worker')) return null;
      return new QueueWorker({
        connection: queue,
        connectionString: config.databaseUrl!,
        core: await ctx.getAsync<Core>(TYPES.Core),
        engine: ctx.get<InProcessExecutor>(TYPES.Engine),
        concurrency: config.runConcurrency,
        organizationConcurrency: config.orgRunConcurrency,
        recoveryIntervalMs: Math.min(5_000, Math.max(500, Math.floor(config.runLeaseMs / 3))),
        onError: (err, context) => logger.error({ err, context }, 'queue worker error'),
      });
    });

    bind<EventSink>(TYPES.EventSink).toDynamicValue((ctx) => new FanOutEvents([ctx.get<ServerMetrics>(TYPES.Metrics)]));

    // The scheduler keeps its ledger next to the data; a fire goes to the core's run service.
    bind<pg.Pool | null>(TYPES.ScheduleListenPool).toDynamicValue(() => {
      if (!config.databaseUrl || !schedulerRole(config)) return null;
      const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 1 });
      pool.on('error', (err) => logger.warn({ err }, 'schedule listener connection lost'));
      return pool;
    });
    bind<NodeCronScheduler | null>(TYPES.CronScheduler).toDynamicValue(async (ctx) => {
      const handle = await ctx.getAsync<StorageHandle>(TYPES.StorageHandle);
      if (!schedulerRole(config) || !handle.db) return null;
      await migrateScheduler(handle.db);
      const listenPool = ctx.get<pg.Pool | null>(TYPES.ScheduleListenPool);
      const metrics = ctx.get<ServerMetrics>(TYPES.Metrics);
      return new NodeCronScheduler({
        db: handle.db,
        // The core is built with this scheduler; a fire comes after both exist.
        fire: async (pipelineId) => (await ctx.getAsync<Core>(TYPES.Core)).runs.triggerScheduled(pipelineId),
        loadScheduled: () => handle.storage.pipelines.listScheduled(),
        misfirePolicy: config.misfirePolicy,
        minIntervalSeconds: config.minScheduleIntervalSeconds,
        clock: options.clock,
        ...(listenPool ? { listen: pgListener(listenPool) } : {}),
        onFire: (event) => metrics.scheduleFires.inc({ outcome: event.result.outcome }),
        onError: (err, context) => logger.error({ err, context }, 'scheduler error'),
      });
    });
    bind<Scheduler>(TYPES.Scheduler).toDynamicValue(
      async (ctx) => (await ctx.getAsync<NodeCronScheduler | null>(TYPES.CronScheduler)) ?? noScheduler,
    );
    bind<ScheduleFireLedger | null>(TYPES.ScheduleFireLedger).toDynamicValue(
      async (ctx) => await ctx.getAsync<NodeCronScheduler | null>(TYPES.CronScheduler),
    );

    // Uploaded files wait on disk (not in memory) until their runs consume them.
    bind<UploadSpool>(TYPES.Uploads).toDynamicValue(() => uploadSpool(config));
  });
}

function schedulerRole(config: ServerConfig): boolean {
  return config.schedulerEnabled && config.roles.includes('scheduler');
}
