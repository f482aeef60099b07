import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  Schedule,
  systemClock,
  type Clock,
  type Page,
  type PageRequest,
  type Pipeline,
  type ScheduledFireOutcome,
  type Scheduler,
  type ScheduleSpec,
} from '@pipewright/core';
import type { Kysely } from 'kysely';
import { createTask, type Logger, type RunCoordinator, type ScheduledTask } from 'node-cron';
import { FireLedger, type FireRecord, type FireResult } from './fire-ledger.js';
import {
  MISSED_REASONS,
  recoverMisfires,
  RUN_ONCE_REASON,
  type MisfireCandidate,
  type MisfirePolicy,
  type MisfireReport,
} from './misfire-recovery.js';
import { assertSchedulable, toNodeCronJob } from './node-cron-expression.js';
import type { ScheduleListener } from './pg-listen.js';
import { hasJob, SCHEDULE_CHANNEL, ScheduleRegistry, type RegistryEntry } from './schedule-registry.js';

/** What a fire did, for metrics and logs. */
export interface FireEvent {
  pipelineId: string;
  fireAt: Date;
  result: FireResult;
}

export interface NodeCronSchedulerOptions {
  /** The database holding the fire ledger and the schedule registry (run `migrateScheduler` first). */
  db: Kysely<any>;
  /** Runs one fire; in the server, `core.runs.triggerScheduled`. */
  fire: (pipelineId: string) => Promise<ScheduledFireOutcome>;
  /** Every enabled pipeline with a schedule, read from storage at start. */
  loadScheduled: () => Promise<Pipeline[]>;
  misfirePolicy: MisfirePolicy;
  clock?: Clock;
  /** Names this process in the ledger's `claimed_by`; default host:pid:random. */
  instanceId?: string;
  /** How often to look for schedule changes made by other processes (default 2000 ms). */
  pollIntervalMs?: number;
  /** Optional push of changes (Postgres LISTEN/NOTIFY, see `pgListener`); polling remains the fallback. */
  listen?: ScheduleListener;
  /** When set, stored schedules that fire more often are not run (core rejects them on input already). */
  minIntervalSeconds?: number;
  /** How long after a fire instant an unclaimed fire counts as missed (default 5000 ms). */
  misfireGraceMs?: number;
  /** At most this many missed fires are recorded per pipeline at start (default 100). */
  maxMissedPerPipeline?: number;
  /** Ledger rows older than this are pruned hourly (default 30 days); null keeps them. */
  ledgerRetentionDays?: number | null;
  /** stop() waits this long at most for fires in progress (default 30 s). */
  stopTimeoutMs?: number;
  onFire?: (event: FireEvent) => void;
  /** Errors that do not belong to one caller (polling, pruning, a failed ledger write). */
  onError?: (error: unknown, context: string) => void;
}

interface LocalJob {
  /** The spec and start the tasks were built from; equal signatures mean nothing to do. */
  signature: string;
  tasks: ScheduledTask[];
}

const REGISTRY_LOOKBACK_MS = 30_000;
const PRUNE_EVERY_MS = 3_600_000;

/** Equal for equal jobs, whatever the key order of the spec (jsonb reorders keys). */
function signatureOf(spec: ScheduleSpec, scheduleStart: number): string {
  return JSON.stringify(
    spec.kind === 'cron'
      ? ['cron', spec.cron, spec.timezone ?? null, scheduleStart]
      : ['period', spec.period, scheduleStart],
  );
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The Scheduler port on node-cron. Every process holds one node-cron task per enabled,
 * scheduled pipeline and every process's task fires; the fire ledger (node-cron's
 * RunCoordinator) lets exactly one of them run each fire and records its outcome.
 * Schedule changes are published to a shared registry that the other processes poll
 * (and hear about at once through LISTEN/NOTIFY when configured).
 */
export class NodeCronScheduler implements Scheduler {
  readonly ledger: FireLedger;
  readonly registry: ScheduleRegistry;
  private readonly clock: Clock;
  private readonly jobs = new Map<string, LocalJob>();
  /** Claims and fires under way; stop() waits for them so no fire is claimed and left unrun. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly coordinator: RunCoordinator;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Publishes that failed (database unreachable), retried on each poll; null means delete. */
  private readonly unpublished = new Map<string, Pipeline | null>();
  private readonly taskLogger: Logger;
  private lastSeenVersion = 0;
  private running = false;
  private polling: Promise<void> | null = null;
  private unlisten: (() => Promise<void>) | null = null;
  private listenBroken = false;
  private recovery: Promise<MisfireReport> = Promise.resolve({ missed: 0, ranOnce: [] });
  private cancelRecovery: (() => void) | null = null;

  constructor(private readonly options: NodeCronSchedulerOptions) {
    this.clock = options.clock ?? systemClock;
    this.ledger = new FireLedger(
      options.db,
      options.instanceId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
      this.clock,
    );
    this.registry = new ScheduleRegistry(options.db);
    this.coordinator = { shouldRun: (key) => this.track(this.ledger.shouldRun(key)) };
    const report = (e: string | Error, err?: Error) => this.reportError(err ?? e, 'node-cron');
    this.taskLogger = { info() {}, warn() {}, debug() {}, error: report };
  }

  private get graceMs(): number {
    return this.options.misfireGraceMs ?? 5000;
  }

  get instanceId(): string {
    return this.ledger.instanceId;
  }

  /**
   * Loads the scheduled pipelines, starts their tasks and the change polling, and
   * schedules misfire recovery for fires before now (see `misfireRecovered`).
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    // Read the version before loading, so a change made meanwhile is seen by the first poll.
    this.lastSeenVersion = await this.registry.currentVersion();
    const pipelines = await this.options.loadScheduled();
    for (const [i, p] of pipelines.entries()) {
      this.apply(p.id, p.isScheduled ? p.schedule!.spec : null, p.scheduleStart);
      // Let tasks already started fire on time while thousands more are created.
      if (i % 200 === 199) await new Promise((r) => setImmediate(r));
    }
    // Recovery covers everything up to now: fires a task here already ran keep their rows.
    const startedAt = this.clock.now();
    await this.subscribe();
    this.every(this.options.pollIntervalMs ?? 2000, () => this.poll());
    const retention = this.options.ledgerRetentionDays === undefined ? 30 : this.options.ledgerRetentionDays;
    if (retention !== null) this.every(PRUNE_EVERY_MS, () => this.prune(retention), true);
    // Wait out the grace period first: a fire instant just before start may still be
    // being claimed by a replica that is running.
    this.recovery = new Promise<MisfireReport>((resolve) => {
      this.cancelRecovery = () => resolve({ missed: 0, ranOnce: [] });
      this.after(this.graceMs, () => {
        this.cancelRecovery = null;
        return this.recoverMisfires(pipelines, startedAt).then(resolve, (e) => {
          this.reportError(e, 'misfire recovery');
          resolve({ missed: 0, ranOnce: [] });
        });
      });
    });
  }

  /** Resolves when start-up misfire recovery has run (or immediately before `start`). */
  misfireRecovered(): Promise<MisfireReport> {
    return this.recovery;
  }

  /** Stops every task and timer, and waits for fires in progress to be recorded. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.cancelRecovery?.();
    this.cancelRecovery = null;
    for (const id of [...this.jobs.keys()]) this.apply(id, null, 0);
    if (this.unlisten) await this.unlisten().catch((e) => this.reportError(e, 'unlisten'));
    this.unlisten = null;
    await this.polling;
    await this.recovery;
    // A claim that succeeds is followed, a few ticks later, by node-cron calling the task: wait for both.
    const deadline = Date.now() + (this.options.stopTimeoutMs ?? 30_000);
    while (this.inFlight.size > 0 && Date.now() < deadline) {
      await Promise.race([
        Promise.allSettled([...this.inFlight]),
        new Promise((r) => setTimeout(r, deadline - Date.now()).unref()),
      ]);
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Publishes the pipeline's schedule to every process and applies it here at once. */
  async sync(pipeline: Pipeline): Promise<void> {
    try {
      this.applyEntry(await this.registry.publish(pipeline));
      this.unpublished.delete(pipeline.id);
    } catch (e) {
      this.reportError(e, `publishing pipeline ${pipeline.id}`);
      this.unpublished.set(pipeline.id, pipeline);
      this.apply(pipeline.id, pipeline.isScheduled ? pipeline.schedule!.spec : null, pipeline.scheduleStart);
    }
  }

  /** Removes the pipeline's job here at once and in every other process. */
  async unregister(pipelineId: string): Promise<void> {
    this.apply(pipelineId, null, 0);
    try {
      await this.registry.remove(pipelineId);
      this.unpublished.delete(pipelineId);
    } catch (e) {
      this.reportError(e, `publishing deletion of pipeline ${pipelineId}`);
      this.unpublished.set(pipelineId, null);
    }
  }

  nextFire(pipeline: Pipeline): Date | null {
    if (!pipeline.isScheduled) return null;
    return pipeline.schedule!.nextFireAfter(this.clock.now(), pipeline.scheduleStart);
  }

  /** The pipeline's fire ledger, newest first. */
  fires(pipelineId: string, page: PageRequest): Promise<Page<FireRecord>> {
    return this.ledger.list(pipelineId, page);
  }

  /**
   * Throws a Validation error when this scheduler would not run the schedule: it never
   * fires, or fires more often than `minIntervalSeconds`.
   */
  validate(schedule: Schedule, scheduleStart = 0, field = 'cron'): void {
    assertSchedulable(schedule, scheduleStart, field);
    if (this.options.minIntervalSeconds !== undefined)
      schedule.assertMinimumInterval(this.options.minIntervalSeconds, field);
  }

  /** Pipelines with a task in this process. */
  scheduledPipelineIds(): string[] {
    return [...this.jobs.keys()];
  }

  /** The node-cron patterns and zone of the pipeline's local tasks, or null when it has none. */
  localJob(pipelineId: string): { patterns: string[]; nextRun: Date | null } | null {
    const job = this.jobs.get(pipelineId);
    if (!job) return null;
    const runs = job.tasks.map((t) => t.getNextRun()).filter((d): d is Date => d !== null);
    return {
      patterns: job.tasks.map((t) => t.getPattern()),
      nextRun: runs.length ? new Date(Math.min(...runs.map((d) => d.getTime()))) : null,
    };
  }

  /** Applies changes other processes published since the last look. */
  poll(): Promise<void> {
    if (!this.polling)
      this.polling = this.pollOnce()
        .catch((e) => this.reportError(e, 'polling schedule changes'))
        .finally(() => (this.polling = null));
    return this.polling;
  }

  private async pollOnce(): Promise<void> {
    for (const [id, p] of [...this.unpublished]) {
      if (p) await this.registry.publish(p);
      else await this.registry.remove(id);
      this.unpublished.delete(id);
    }
    if (this.listenBroken) await this.subscribe();
    for (const e of await this.registry.changes(this.lastSeenVersion, REGISTRY_LOOKBACK_MS)) {
      this.applyEntry(e);
      this.lastSeenVersion = Math.max(this.lastSeenVersion, e.version);
    }
  }

  private async subscribe(): Promise<void> {
    if (!this.options.listen || !this.running) return;
    this.listenBroken = false;
    try {
      // Give the old (broken) connection back first: the listener's pool may hold just one,
      // and waiting for a second while keeping it would wait forever.
      const old = this.unlisten;
      this.unlisten = null;
      if (old) await old().catch(() => {});
      this.unlisten = await this.options.listen(
        SCHEDULE_CHANNEL,
        () => void this.poll(),
        (e) => {
          this.listenBroken = true;
          this.reportError(e, 'schedule notifications');
        },
      );
    } catch (e) {
      this.listenBroken = true;
      this.reportError(e, 'subscribing to schedule notifications');
    }
  }

  private applyEntry(e: RegistryEntry): void {
    this.apply(e.pipelineId, hasJob(e) ? e.spec : null, e.scheduleStart);
  }

  /** Makes the local tasks match the spec (null: no job). Idempotent. */
  private apply(pipelineId: string, spec: ScheduleSpec | null, scheduleStart: number): void {
    const signature = spec && this.running ? signatureOf(spec, scheduleStart) : null;
    const current = this.jobs.get(pipelineId);
    if ((current?.signature ?? null) === signature) return;
    if (current) {
      for (const t of current.tasks) void t.destroy();
      this.jobs.delete(pipelineId);
    }
    if (!spec || !signature) return;
    try {
      const schedule = Schedule.fromSpec(spec);
      if (this.options.minIntervalSeconds !== undefined)
        schedule.assertMinimumInterval(this.options.minIntervalSeconds);
      const job = toNodeCronJob(schedule, scheduleStart);
      if (job.patterns.length === 0) assertSchedulable(schedule, scheduleStart); // throws, saying why
      const tasks = job.patterns.map((pattern) => this.createTask(pipelineId, pattern, job.timezone));
      this.jobs.set(pipelineId, { signature, tasks });
    } catch (e) {
      this.reportError(e, `scheduling pipeline ${pipelineId}`);
    }
  }

  private createTask(pipelineId: string, pattern: string, timezone: string): ScheduledTask {
    const task = createTask(pattern, (ctx) => this.runClaimed(pipelineId, ctx.date), {
      name: pipelineId,
      timezone,
      distributed: true,
      runCoordinator: this.coordinator,
      logger: this.taskLogger,
      // Late fires still run (the ledger keeps them single) until the point where any
      // process may record them as missed.
      missedExecutionTolerance: Math.max(1000, this.graceMs),
    });
    // Fires no process claimed are recorded after the grace period: another replica may still claim them.
    task.on('execution:missed', (ctx) => this.recordMissedLater(pipelineId, ctx.date, MISSED_REASONS.late));
    task.on('execution:skipped', (ctx) => {
      if (ctx.reason === 'coordinator-error')
        this.recordMissedLater(pipelineId, ctx.date, MISSED_REASONS.ledgerUnavailable);
    });
    void task.start();
    return task;
  }

  /** Runs a fire this process claimed and records its outcome. Never throws. */
  private runClaimed(pipelineId: string, fireAt: Date, firedReason: string | null = null): Promise<void> {
    const done = (async () => {
      let result: FireResult;
      try {
        const o = await this.options.fire(pipelineId);
        result =
          o.outcome === 'fired'
            ? { outcome: 'fired', runId: o.runId, reason: firedReason }
            : { outcome: 'skipped', reason: o.reason };
      } catch (e) {
        result = { outcome: 'failed', reason: messageOf(e) };
      }
      try {
        await this.ledger.record(pipelineId, fireAt, result);
      } catch (e) {
        this.reportError(e, `recording fire ${pipelineId} at ${fireAt.toISOString()}`);
      }
      this.options.onFire?.({ pipelineId, fireAt, result });
    })();
    return this.track(done);
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const forget = () => this.inFlight.delete(work);
    work.then(forget, forget);
    return work;
  }

  private recordMissedLater(pipelineId: string, fireAt: Date, reason: string): void {
    this.after(this.graceMs, () =>
      this.ledger.recordMissed(pipelineId, [fireAt], reason).then(
        () => {},
        (e) => this.reportError(e, `recording missed fire ${pipelineId}`),
      ),
    );
  }

  private async recoverMisfires(pipelines: readonly Pipeline[], until: Date): Promise<MisfireReport> {
    // Only pipelines whose job is still the one loaded at start.
    const still = pipelines.filter(
      (p) => p.isScheduled && this.jobs.get(p.id)?.signature === signatureOf(p.schedule!.spec, p.scheduleStart),
    );
    const ids = still.map((p) => p.id);
    const [lastFires, entries] = await Promise.all([this.ledger.lastFireTimes(ids, until), this.registry.getMany(ids)]);
    const candidates: MisfireCandidate[] = [];
    for (const p of still) {
      const known = [lastFires.get(p.id), entries.get(p.id)?.changedAt].filter((d): d is Date => d !== undefined);
      if (known.length === 0) continue; // never seen before: nothing can have been missed
      const since = new Date(Math.max(...known.map((d) => d.getTime())));
      candidates.push({ pipelineId: p.id, schedule: p.schedule!, scheduleStart: p.scheduleStart, since });
    }
    return recoverMisfires({
      ledger: this.ledger,
      candidates,
      until,
      policy: this.options.misfirePolicy,
      cap: this.options.maxMissedPerPipeline ?? 100,
      runLate: (id, fireAt) => this.runClaimed(id, fireAt, RUN_ONCE_REASON),
    });
  }

  private async prune(retentionDays: number): Promise<void> {
    await this.ledger.prune(new Date(this.clock.now().getTime() - retentionDays * 86_400_000));
  }

  /** Runs `fn` every `ms` (one run at a time) until stop. */
  private every(ms: number, fn: () => Promise<void>, unref = false): void {
    const tick = () =>
      this.after(
        ms,
        () =>
          fn()
            .catch((e) => this.reportError(e, 'periodic task'))
            .finally(() => this.running && tick()),
        unref,
      );
    tick();
  }

  private after(ms: number, fn: () => unknown, unref = false): void {
    if (!this.running) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      void fn();
    }, ms);
    if (unref) t.unref();
    this.timers.add(t);
  }

  private reportError(error: unknown, context: string): void {
    if (this.options.onError) this.options.onError(error, context);
    else console.error(`[scheduler] ${context}:`, error);
  }
}
