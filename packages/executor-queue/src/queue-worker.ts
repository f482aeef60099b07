import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Job } from 'pg-boss';
import { CancelListener } from './cancel-listener.js';
import { InterruptRecovery } from './interrupt-recovery.js';
import { OrgGroupLimits } from './org-group-limits.js';
import type { QueueConnection } from './queue-connection.js';
import { RUN_QUEUE, type RunJobData } from './queue-names.js';
import type { RunEngine, WorkerCore } from './worker-ports.js';

/** Idle poll for new jobs. */
const POLL_MS = 500;
/** Below the queue's heartbeatSeconds (10). */
const JOB_TOUCH_MS = 4_000;

export interface QueueWorkerOptions {
  connection: QueueConnection;
  /** Same database as `connection`; the cancel listener keeps its own connection. */
  connectionString: string;
  core: WorkerCore;
  /**
   * The engine that executes each fetched run (begin → stages → finish, lease and heartbeat),
   * reporting to `core`; its own concurrency should be at least this worker's.
   */
  engine: RunEngine;
  /** Runs executed at once by this worker (pg-boss fetches no more than this). */
  concurrency: number;
  /**
   * Runs of one organization executing at once across all workers, unless it has its own limit
   * (`Organization.maxConcurrentRuns`). Default: half of the live workers' slots, rounded up.
   */
  organizationConcurrency?: number | null;
  /** How often expired leases are looked for (default 5 s). */
  recoveryIntervalMs?: number;
  /** How often this worker's liveness row is renewed (default 5 s). */
  heartbeatMs?: number;
  /** Default: host:pid:random. */
  workerId?: string;
  onError?: (error: unknown, context: string) => void;
}

/**
 * A worker process's loop: fetches run jobs from pg-boss and executes them with the
 * engine; listens for cancels; recovers runs of dead workers (restart or ERROR
 * "interrupted"); keeps a liveness row for the admin API and /metrics.
 *
 * No run executes twice at once: a job only starts its run through core's `begin`, which
 * takes the run's row lock and moves it PENDING → EXECUTING, so a second job for the same
 * run (a pg-boss retry, a re-enqueue after a restart) finds it not PENDING and ends.
 *
 * An attempt failing with a retryable error that the pipeline retries goes back to PENDING
 * and is enqueued again with the backoff as the job's start time (pg-boss `startAfter`), so
 * any worker may run the next attempt and no slot sleeps through the wait.
 */
export class QueueWorker {
  readonly id: string;
  private readonly options: Required<Omit<QueueWorkerOptions, 'workerId' | 'organizationConcurrency'>>;
  private readonly orgLimits: OrgGroupLimits;
  private readonly cancels: CancelListener;
  private readonly recovery: InterruptRecovery;
  private readonly executing = new Set<string>();
  private timers: ReturnType<typeof setInterval>[] = [];
  private running = false;
  /** Jobs fetched and not yet settled. */
  private jobs = 0;
  private fetching: Promise<void> = Promise.resolve();
  private wakeRequested = false;
  private readonly requestWake = () => {
    this.wakeRequested = true;
  };
  /** Ends the fetch loop's wait (a slot was freed, or stop). */
  private wake: () => void = this.requestWake;

  constructor(options: QueueWorkerOptions) {
    this.id = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.options = { recoveryIntervalMs: 5_000, heartbeatMs: 5_000, onError: () => {}, ...options };
    this.cancels = new CancelListener(
      options.connectionString,
      (runId) => void options.engine.cancel(runId),
      this.options.onError,
    );
    this.recovery = new InterruptRecovery(options.core, (runId, orgId) => options.connection.enqueue(runId, orgId));
    // A retry's backoff is spent in the queue (a job that starts later), not in a worker slot.
    options.engine.handOffRetries((runId, delayMs, orgId) => options.connection.enqueue(runId, orgId, { delayMs }));
    this.orgLimits = new OrgGroupLimits(
      options.core,
      options.connection.workers,
      options.concurrency,
      options.organizationConcurrency ?? null,
      this.options.onError,
    );
  }

  /** Starts fetching jobs; resolves once the worker is registered and listening. */
  async start(): Promise<void> {
    const { connection, concurrency, recoveryIntervalMs, heartbeatMs, onError } = this.options;
    this.running = true;
    // The engine's stage sandbox (if any) starts its children before the first job.
    this.options.engine.warm?.();
    await this.cancels.start();
    await this.beat();
    await this.recover();
    this.timers = [
      setInterval(() => void this.beat(), heartbeatMs),
      setInterval(() => void this.recover(), recoveryIntervalMs),
    ];
    for (const t of this.timers) t.unref?.();
    this.fetching = this.fetchLoop();
  }

  /**
   * Fetches as many jobs as there are free slots, at once again whenever a run ends (pg-boss's
   * own `work` loop pauses between fetches, costly for short runs), else every POLL_MS. Jobs
   * of organizations at their limit are not fetched (pg-boss `groupConcurrency`, one fetch at a
   * time across workers so the limit holds exactly): a fetch may
   * return fewer than asked for while others' jobs wait behind theirs, so it is repeated
   * until it returns none or the slots are full.
   */
  private async fetchLoop(): Promise<void> {
    const { connection, concurrency, onError } = this.options;
    while (this.running) {
      this.wakeRequested = false;
      try {
        for (let free = concurrency - this.jobs; free > 0 && this.running; free = concurrency - this.jobs) {
          const jobs = await connection.fetchRuns(free, await this.orgLimits.get());
          for (const job of jobs) void this.handle(job);
          if (jobs.length === 0 || jobs.length === free) break;
        }
      } catch (e) {
        onError(e, 'fetch jobs');
      }
      // A run that ended during the fetch asked for another fetch already: no waiting then.
      if (!this.wakeRequested && this.running)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, POLL_MS);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      this.wake = this.requestWake;
    }
  }

  /** Executes one job's run; completes the job when the run ended here (or needed nothing), else fails it for a retry. */
  private async handle(job: Job<RunJobData>): Promise<void> {
    const { connection, onError } = this.options;
    this.jobs++;
    // The job's own heartbeat: a worker killed outright stops it, and pg-boss hands the job out again.
    const touch = setInterval(
      () => void connection.boss.touch(RUN_QUEUE, job.id).catch((e: unknown) => onError(e, 'touch job')),
      JOB_TOUCH_MS,
    );
    try {
      await this.execute(job.data.runId);
      await connection.boss.complete(RUN_QUEUE, job.id);
    } catch (e) {
      onError(e, `job of run ${job.data.runId}`);
      // pg-boss retries it with exponential backoff (the queue's retryLimit).
      await connection.boss
        .fail(RUN_QUEUE, job.id, { message: e instanceof Error ? e.message : String(e) })
        .catch((err: unknown) => onError(err, 'fail job'));
    } finally {
      clearInterval(touch);
      this.jobs--;
      this.wake();
    }
  }

  /** Runs being executed by this worker now. */
  get active(): number {
    return this.executing.size;
  }

  /**
   * Stops fetching, gives running runs `graceMs` to finish (then they end STOPPED, as on
   * any server shutdown), and marks this worker stopped.
   */
  async stop(graceMs: number): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    this.wake();
    await this.fetching;
    await this.options.engine.drain(graceMs);
    await this.cancels.stop();
    await this.options.connection.workers.stopped(this.id).catch((e: unknown) => this.options.onError(e, 'worker row'));
  }

  private async execute(runId: string): Promise<void> {
    const { core, engine, connection } = this.options;
    const run = await core.lifecycle.find(runId);
    if (!run || run.isTerminal) {
      // Ended or cancelled (a run cancelled while it waited for its next attempt, say): its files are of no more use.
      await connection.uploads.remove(runId);
      return;
    }
    if (run.status !== 'PENDING') return; // already taken: nothing to do
    const files = await connection.uploads.load(runId);
    this.executing.add(runId);
    try {
      await engine.submit(run, { files });
      await engine.settled(runId);
    } finally {
      this.executing.delete(runId);
    }
    const after = await core.lifecycle.find(runId);
    if (files.length && (!after || after.isTerminal)) await connection.uploads.remove(runId);
  }

  private async beat(): Promise<void> {
    try {
      await this.options.connection.workers.beat({
        id: this.id,
        host: hostname(),
        pid: process.pid,
        concurrency: this.options.concurrency,
        running: this.executing.size,
      });
    } catch (e) {
      this.options.onError(e, 'worker heartbeat');
    }
  }

  private async recover(): Promise<void> {
    try {
      await this.recovery.recoverOnce();
    } catch (e) {
      this.options.onError(e, 'lease recovery');
    }
  }
}
