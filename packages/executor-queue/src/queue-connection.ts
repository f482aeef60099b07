import { hostname } from 'node:os';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { migrateQueueSchema } from './queue-schema.js';
import type { GroupConcurrencyConfig, Job } from 'pg-boss';
import { RUN_QUEUE, type RunJobData } from './queue-names.js';
import { UploadStore } from './upload-store.js';
import { WorkerRegistry } from './worker-registry.js';

export interface QueueConnectionOptions {
  /** The Postgres the API servers and workers share. */
  connectionString: string;
  /** Connections for our own queries (uploads, workers, cancel notifications); default 4. */
  poolSize?: number;
  /** Attempts of a job whose handler failed (database unreachable …), with exponential backoff; default 5. */
  retryLimit?: number;
  /** First retry delay in seconds (doubled each time, with jitter); default 2. */
  retryDelaySeconds?: number;
  /** A worker not heard of for this long counts as dead in the worker list; default 15 s. */
  workerLivenessMs?: number;
  onError?: (error: unknown, context: string) => void;
}

/** The advisory lock key (two ints) that serializes run-job fetches across workers. */
const FETCH_LOCK = [0x70697065, 1] as const;

/** Queue depth as pg-boss counts it (refreshed by its monitor, not live). */
export interface QueueDepth {
  queued: number;
  active: number;
  /** Of the queued: jobs that start later (runs waiting for their next attempt). */
  deferred: number;
}

/**
 * The shared Postgres plumbing of the queue executor and the workers: a pg-boss instance
 * (its own schema `pgboss`), a small pool for our tables and NOTIFY, and the queue itself.
 */
export class QueueConnection {
  readonly pool: pg.Pool;
  readonly boss: PgBoss;
  readonly uploads: UploadStore;
  readonly workers: WorkerRegistry;
  private started = false;

  private constructor(private readonly options: QueueConnectionOptions) {
    const onError = options.onError ?? (() => {});
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 4,
      application_name: `pipewright-queue@${hostname()}`,
    });
    this.pool.on('error', (e) => onError(e, 'queue pool'));
    // The pool listens for 'error' only on idle clients; a checked-out one dropping must not crash.
    this.pool.on('connect', (client) => client.on('error', () => {}));
    this.boss = new PgBoss({
      connectionString: options.connectionString,
      max: 4,
      application_name: 'pipewright-pgboss',
      monitorIntervalSeconds: 5,
    });
    this.boss.on('error', (e: unknown) => onError(e, 'pg-boss'));
    this.uploads = new UploadStore(this.pool);
    this.workers = new WorkerRegistry(this.pool, options.workerLivenessMs);
  }

  /** Connects, installs pg-boss's schema and ours (idempotent), and creates the run queue. */
  static async open(options: QueueConnectionOptions): Promise<QueueConnection> {
    const connection = new QueueConnection(options);
    await migrateQueueSchema(connection.pool);
    await connection.boss.start();
    connection.started = true;
    if (!(await connection.boss.getQueue(RUN_QUEUE))) {
      await connection.boss
        .createQueue(RUN_QUEUE, {
          retryLimit: options.retryLimit ?? 5,
          retryDelay: options.retryDelaySeconds ?? 2,
          retryBackoff: true,
          // Liveness of a run is its lease in core; the job's own expiry only has to outlast any run.
          expireInSeconds: 82_800,
          // A worker killed outright stops refreshing this: pg-boss hands its fetched jobs out again.
          heartbeatSeconds: 10,
        })
        .catch(async (e: unknown) => {
          if (!(await connection.boss.getQueue(RUN_QUEUE))) throw e; // another process created it meanwhile
        });
    }
    return connection;
  }

  /**
   * Enqueues a run of organization `orgId`; the run is read from storage by whichever worker
   * fetches it. With `delayMs` (a retry's backoff) no worker fetches the job before then.
   * The job's group is its organization (id and tier alike), so workers hold each organization
   * to its limit on concurrent runs across all of them (pg-boss `groupConcurrency`, by tier
   * for organizations with their own limit).
   */
  async enqueue(runId: string, orgId: string, options: { delayMs?: number } = {}): Promise<void> {
    const data: RunJobData = { runId };
    const delayMs = options.delayMs ?? 0;
    // pg-boss reads a number as seconds (an interval: fractions allowed).
    await this.boss.send(RUN_QUEUE, data, {
      group: { id: orgId, tier: orgId },
      ...(delayMs > 0 ? { startAfter: delayMs / 1000 } : {}),
    });
  }

  /**
   * Fetches up to `batchSize` run jobs, organizations held to `limits`. pg-boss counts a
   * group's active jobs inside its fetch, so two workers fetching in the same instant could
   * each start one more run than the limit allows: fetches are taken one at a time across
   * every worker, behind a transaction-scoped advisory lock held on our own connection until
   * pg-boss's fetch has committed.
   */
  async fetchRuns(batchSize: number, limits: GroupConcurrencyConfig): Promise<Job<RunJobData>[]> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1::int, $2::int)', [...FETCH_LOCK]);
      return await this.boss.fetch<RunJobData>(RUN_QUEUE, { batchSize, groupConcurrency: limits });
    } catch (e) {
      broken = true;
      throw e;
    } finally {
      // A failed COMMIT/ROLLBACK means the connection is gone; the server dropped the lock with it.
      await client.query(broken ? 'ROLLBACK' : 'COMMIT').catch(() => (broken = true));
      client.release(broken);
    }
  }

  /** Jobs waiting and being worked on. */
  async depth(): Promise<QueueDepth> {
    const q = await this.boss.getQueue(RUN_QUEUE);
    return { queued: q?.queuedCount ?? 0, active: q?.activeCount ?? 0, deferred: q?.deferredCount ?? 0 };
  }

  async close(): Promise<void> {
    if (this.started) await this.boss.stop({ graceful: false, timeout: 2000 }).catch(() => {});
    this.started = false;
    await this.pool.end();
  }
}
