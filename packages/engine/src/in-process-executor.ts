import {
  CANCELLED,
  emptyCounters,
  LeaseLostError,
  type Executor,
  type Run,
  type RetryDecision,
  type StartedRun,
  type UploadedFile,
} from '@pipewright/core';
import { resolveEngineOptions, type EngineOptions, type ResolvedEngineOptions } from './engine-options.js';
import { EngineDefinitionValidator } from './definition-validator.js';
import { EngineConnectionKinds } from './engine-connection-kinds.js';
import { RunAbort } from './errors.js';
import { FairQueue } from './fair-queue.js';
import { OrgRunLimits } from './org-run-limits.js';
import { runTimeLimit } from './run-time-limit.js';
import { RunEngine, type EngineCore, type RunResult } from './run-engine.js';
import { RunLogger } from './run-logger.js';
import { RunProgress } from './stage-tally.js';
import { StageSandbox } from './sandbox/stage-sandbox.js';
import { messageOf } from './stages/record-stage.js';

export const SHUTDOWN = 'run stopped: the server shut down';
export const LEASE_LOST = 'run taken over: this process stopped renewing its lease and the run began elsewhere';

interface QueuedRun {
  runId: string;
  orgId: string;
  uploads: UploadedFile[];
}

/** A run waiting here for its next attempt, and the timer that queues it again. */
interface WaitingRun {
  job: QueuedRun;
  timer: ReturnType<typeof setTimeout>;
}

/** Takes a run waiting for its next attempt off this executor's hands (a queue worker's queue). */
export type RetryHandOff = (runId: string, delayMs: number, orgId: string) => Promise<void>;

interface ActiveRun {
  /** The attempt's lease holder token (from `begin`), passed to heartbeat, finish and retry. */
  holder: string;
  controller: AbortController;
  progress: RunProgress;
  logger: RunLogger;
  /** The heartbeat in flight, if any (never two at once). */
  beating: Promise<void> | null;
}

/**
 * Executes runs in this process: a queue with a concurrency limit; per run an
 * AbortController, a heartbeat that renews the lease (and notices a cancel made
 * elsewhere), and an optional timeout. An attempt failing with a retryable error goes back to
 * PENDING when its pipeline's retry policy allows, and waits here for the backoff (lease held)
 * before it is queued again. `startRecovery()` ends runs whose lease expired (their process
 * died) as ERROR "interrupted"; `drain()` stops everything for shutdown.
 *
 * The engine reports through the core and the core submits to the executor, so the
 * executor is created first and given the core with `attach`.
 */
export class InProcessExecutor implements Executor {
  private readonly options: ResolvedEngineOptions;
  private core: EngineCore | null = null;
  private engine: RunEngine | null = null;
  /** Where runs' tenant-supplied stages are evaluated (`sandbox` option), else null: on this thread. */
  private readonly sandbox: StageSandbox | null;
  /** Runs waiting for a slot, taken round robin over their organizations. */
  private readonly queue = new FairQueue<QueuedRun>();
  /** Runs executing now, per organization (each held to its limit). */
  private readonly runningByOrg = new Map<string, number>();
  private readonly orgLimits: OrgRunLimits;
  private readonly active = new Map<string, ActiveRun>();
  private readonly waiting = new Map<string, WaitingRun>();
  private handOff: RetryHandOff | null = null;
  /** Every run this executor has taken and not finished, queued or running. */
  private readonly pending = new Map<string, Promise<void>>();
  private readonly resolvers = new Map<string, () => void>();
  private running = 0;
  private draining = false;
  private recoveryTimer: ReturnType<typeof setInterval> | null = null;
  /** Renews the leases of queued (PENDING) runs, and of those waiting for their next attempt, while any wait here. */
  private queueLeases: ReturnType<typeof setInterval> | null = null;

  constructor(options: EngineOptions = {}) {
    this.options = resolveEngineOptions(options);
    // No child starts here: `warm()` (or a run's first batch) starts them.
    this.sandbox = this.options.sandbox ? new StageSandbox(this.options.sandbox) : null;
    this.orgLimits = new OrgRunLimits(
      this.options.organizationConcurrency,
      async (orgId) => (await this.requireCore().lifecycle.organization(orgId))?.maxConcurrentRuns ?? null,
      this.options.onError,
    );
  }

  /** The registry in use (to list connectors, or add some before runs start). */
  get registry() {
    return this.options.registry;
  }

  /** A definition validator over the same registry and file root (for `createCore({definitions})`). */
  get definitions(): EngineDefinitionValidator {
    return new EngineDefinitionValidator(this.options.registry, { fileRoot: this.options.fileRoot });
  }

  /** Connection kinds over the same registry, egress policy and file root (for `createCore({connectionKinds})`). */
  get connectionKinds(): EngineConnectionKinds {
    return new EngineConnectionKinds(this.options.registry, {
      egress: this.options.egress,
      fileRoot: this.options.fileRoot,
    });
  }

  /** The egress policy connectors are held to. */
  get egress() {
    return this.options.egress;
  }

  /** Gives the executor the core it reports to; required before the first submit. */
  attach(core: EngineCore): this {
    this.core = core;
    this.engine = new RunEngine(core, { ...this.options, stageSandbox: this.sandbox });
    return this;
  }

  /**
   * Starts the stage sandbox's child processes now, so the first runs do not wait for them
   * (no-op without the `sandbox` option). `startRecovery()` does it; a queue worker calls it
   * when it starts. Idle children do not keep the process alive.
   */
  warm(): void {
    if (!this.draining) this.sandbox?.warm();
  }

  /** Whether runs' stages are evaluated in the stage sandbox. */
  get sandboxed(): boolean {
    return this.sandbox !== null;
  }

  async submit(run: Run, options?: { files?: UploadedFile[] }): Promise<void> {
    this.requireCore();
    if (this.draining) {
      await this.endUnstarted(run.id, SHUTDOWN);
      this.discardUploads(options?.files ?? []);
      return;
    }
    this.track(run.id);
    // The organization's own limit, if it has one, before its run competes for a slot.
    await this.orgLimits.refresh(run.orgId);
    if (this.draining) {
      // A shutdown began meanwhile: the run ends as every queued one did.
      await this.endUnstarted(run.id, SHUTDOWN);
      this.untrack(run.id);
      this.discardUploads(options?.files ?? []);
      return;
    }
    this.queue.push({ runId: run.id, orgId: run.orgId, uploads: options?.files ?? [] });
    this.pump();
    // A run that has to wait holds a lease from now on: if this process dies, recovery ends it.
    if (this.queue.has(run.id)) await this.holdQueued([run.id]);
  }

  async cancel(runId: string): Promise<void> {
    // A queued run was stopped in storage already (a PENDING run stops at once); `begin` skips it.
    this.active.get(runId)?.controller.abort(new RunAbort('cancel', CANCELLED));
    // So was one waiting for its next attempt: nothing left to wait for.
    this.forgetWaiting(runId);
  }

  /**
   * Runs that wait for their next attempt go to `handOff` (with the backoff) instead of waiting
   * here, leaseless: a queue worker re-enqueues them to start later, holding no slot meanwhile.
   */
  handOffRetries(handOff: RetryHandOff): void {
    this.handOff = handOff;
  }

  /** Resolves when the run is no longer queued or running here. */
  settled(runId: string): Promise<void> {
    return this.pending.get(runId) ?? Promise.resolve();
  }

  /** Resolves when nothing is queued or running. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending.values()]);
  }

  /** Ends expired runs now, then every `recoveryIntervalMs` until `stop()`; returns those ended now. */
  async startRecovery(): Promise<Run[]> {
    this.requireCore();
    this.warm();
    const ended = await this.recoverOnce();
    if (!this.recoveryTimer && !this.draining) {
      this.recoveryTimer = setInterval(() => void this.recoverOnce(), this.options.recoveryIntervalMs);
      this.recoveryTimer.unref?.();
    }
    return ended;
  }

  /** Stops the recovery loop (runs in progress go on). */
  stop(): void {
    if (this.recoveryTimer) clearInterval(this.recoveryTimer);
    this.recoveryTimer = null;
  }

  /**
   * For shutdown: accepts no more runs, ends queued ones as STOPPED, gives running ones
   * `graceMs` to finish, then stops them (STOPPED, "the server shut down"), and ends the
   * stage sandbox's children.
   */
  async drain(graceMs: number): Promise<void> {
    this.draining = true;
    this.stop();
    const waiting = [...this.waiting.values()].map((w) => w.job);
    for (const w of this.waiting.values()) clearTimeout(w.timer);
    this.waiting.clear();
    for (const job of [...this.queue.takeAll(), ...waiting]) {
      await this.endUnstarted(job.runId, SHUTDOWN);
      this.untrack(job.runId);
      this.discardUploads(job.uploads);
    }
    this.leaseQueue();
    const all = Promise.allSettled([...this.pending.values()]);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    for (const run of this.active.values()) run.controller.abort(new RunAbort('shutdown', SHUTDOWN));
    await this.idle();
    this.sandbox?.close();
  }

  private requireCore(): EngineCore {
    if (!this.core) throw new Error('InProcessExecutor: call attach(core) before use.');
    return this.core;
  }

  private track(runId: string): void {
    if (this.pending.has(runId)) return;
    this.pending.set(runId, new Promise<void>((resolve) => this.resolvers.set(runId, resolve)));
  }

  private untrack(runId: string): void {
    this.resolvers.get(runId)?.();
    this.resolvers.delete(runId);
    this.pending.delete(runId);
  }

  /**
   * Renews the leases of runs waiting here. Queued ones that were cancelled answer `stop` and are
   * skipped at begin; one waiting for its next attempt that was cancelled elsewhere is dropped now.
   */
  private async holdQueued(runIds: string[]): Promise<void> {
    const core = this.requireCore();
    for (const runId of runIds) {
      // Queued and waiting runs are PENDING: no attempt holds them (holder null).
      const answer = await core.lifecycle.heartbeat(runId, null, this.options.leaseMs).catch((e) => {
        this.options.onError(e, `lease of queued run ${runId}`);
        return 'continue' as const;
      });
      if (answer !== 'continue') this.forgetWaiting(runId);
    }
  }

  /** Starts waiting runs while slots are free, round robin over the organizations below their limit. */
  private pump(): void {
    const mayStart = (orgId: string) => (this.runningByOrg.get(orgId) ?? 0) < this.orgLimits.of(orgId);
    while (this.running < this.options.concurrency) {
      const job = this.queue.take(mayStart);
      if (!job) break;
      this.running++;
      this.runningByOrg.set(job.orgId, (this.runningByOrg.get(job.orgId) ?? 0) + 1);
      void this.execute(job).finally(() => {
        this.running--;
        const left = this.runningByOrg.get(job.orgId)! - 1;
        if (left > 0) this.runningByOrg.set(job.orgId, left);
        else this.runningByOrg.delete(job.orgId);
        // A run waiting for its next attempt is still this executor's (and needs its files again).
        if (!this.waiting.has(job.runId)) {
          this.untrack(job.runId);
          this.discardUploads(job.uploads);
        }
        this.pump();
      });
    }
    this.leaseQueue();
  }

  /** Runs whose leases this executor renews while they wait: queued, or waiting for their next attempt. */
  private held(): string[] {
    return [...this.queue.runIds(), ...this.waiting.keys()];
  }

  /** Keeps the leases of waiting runs renewed exactly while there are some. */
  private leaseQueue(): void {
    const any = this.queue.size > 0 || this.waiting.size > 0;
    if (any && !this.queueLeases && !this.draining) {
      this.queueLeases = setInterval(() => void this.holdQueued(this.held()), this.options.heartbeatMs);
      this.queueLeases.unref?.();
    } else if ((!any || this.draining) && this.queueLeases) {
      clearInterval(this.queueLeases);
      this.queueLeases = null;
    }
  }

  /** Holds a run for `delayMs` (its lease renewed meanwhile), then queues it for its next attempt. */
  private waitForNextAttempt(job: QueuedRun, delayMs: number): void {
    // Not unref'd: a run waiting for its next attempt is work in progress.
    const timer = setTimeout(() => {
      this.waiting.delete(job.runId);
      this.queue.push(job);
      this.pump();
    }, delayMs);
    this.waiting.set(job.runId, { job, timer });
    this.leaseQueue();
  }

  /** Drops a run waiting for its next attempt (it was cancelled). */
  private forgetWaiting(runId: string): void {
    const waiting = this.waiting.get(runId);
    if (!waiting) return;
    clearTimeout(waiting.timer);
    this.waiting.delete(runId);
    this.untrack(runId);
    this.discardUploads(waiting.job.uploads);
    this.leaseQueue();
  }

  /** Frees a run's uploaded files (temporary files, upload budget) once it no longer needs them. */
  private discardUploads(files: readonly UploadedFile[]): void {
    for (const file of files)
      void file.discard?.().catch((e: unknown) => this.options.onError(e, `discard upload ${file.name}`));
  }

  private async execute(job: QueuedRun): Promise<void> {
    const core = this.requireCore();
    const { leaseMs, heartbeatMs } = this.options;
    let started: StartedRun | null;
    try {
      started = await core.lifecycle.begin(job.runId, leaseMs);
    } catch (e) {
      this.options.onError(e, `begin run ${job.runId}`);
      // Still PENDING: no attempt holds it.
      await core.lifecycle
        .finish(job.runId, null, { status: 'ERROR', error: `run could not start: ${messageOf(e)}`, ...nothingDone() })
        .catch((err) => this.options.onError(err, 'finish'));
      return;
    }
    if (!started) return; // cancelled while queued, or taken by another worker

    const { clock, ids } = core;
    const run: ActiveRun = {
      holder: started.holder,
      controller: new AbortController(),
      progress: new RunProgress(),
      logger: new RunLogger(job.runId, core.lifecycle, clock, ids, this.options.logLevel),
      beating: null,
    };
    this.active.set(job.runId, run);
    if (started.run.attempt > 1)
      run.logger.info(
        null,
        `Attempt ${started.run.attempt} of ${started.pipeline?.retry.maxAttempts ?? started.run.attempt}.`,
      );
    const heartbeat = setInterval(() => this.beat(job.runId, run), heartbeatMs);
    const limit = runTimeLimit(this.options.runTimeoutMs, started.pipeline);
    const timeout = limit
      ? setTimeout(() => run.controller.abort(new RunAbort('timeout', limit.reason)), limit.ms)
      : null;
    let result: RunResult;
    try {
      result = await this.engine!.execute({
        ...started,
        uploads: job.uploads,
        signal: run.controller.signal,
        progress: run.progress,
        logger: run.logger,
      });
    } catch (e) {
      result = { status: 'ERROR', error: run.logger.redact(`engine failure: ${messageOf(e)}`) };
    } finally {
      clearInterval(heartbeat);
      if (timeout) clearTimeout(timeout);
      this.active.delete(job.runId);
    }
    await run.beating;
    const reason = run.controller.signal.reason;
    // Another process executes the run now: its attempt is not ours to log, end or retry.
    if (reason instanceof RunAbort && reason.why === 'lease') return;
    const error =
      result.status === 'STOPPED'
        ? reason instanceof RunAbort && reason.why !== 'cancel'
          ? reason.message
          : null
        : result.error;
    const snapshot = run.progress.snapshot();
    if (result.status === 'ERROR' && (await this.retryIfAllowed(job, run, result))) return;
    run.logger.add(
      result.status === 'ERROR' ? 'ERROR' : 'INFO',
      null,
      `Run ${result.status}${error ? ` (${error})` : ''}: passed [${snapshot.stages.passed.join(', ')}], failed [${snapshot.stages.failed.join(', ')}].`,
    );
    await run.logger.flush().catch((e) => this.options.onError(e, 'log'));
    await this.finishQuietly(job.runId, run.holder, {
      status: result.status,
      error,
      ...snapshot,
      cursor: result.cursor,
    });
  }

  /** Ends the attempt; one whose lease was taken over meanwhile is not ours to end (nothing to report). */
  private async finishQuietly(
    runId: string,
    holder: string,
    outcome: Parameters<EngineCore['lifecycle']['finish']>[2],
  ): Promise<void> {
    await this.requireCore()
      .lifecycle.finish(runId, holder, outcome)
      .catch((e) => {
        if (!(e instanceof LeaseLostError)) this.options.onError(e, `finish run ${runId}`);
      });
  }

  /**
   * After a failed attempt: the core decides whether it is tried again (the pipeline's policy is
   * its); when it is, the run is PENDING again and waits for the backoff (here, or handed off).
   * Returns whether it was retried. Either way the run's log says what happens next.
   */
  private async retryIfAllowed(job: QueuedRun, run: ActiveRun, result: RunResult): Promise<boolean> {
    const core = this.requireCore();
    const { logger } = run;
    // Shutting down with no queue to hand the run to: it ends now rather than wait on a process that is going away.
    const shuttingDown = result.retryable === true && this.draining && !this.handOff;
    const retryable = result.retryable === true && !shuttingDown;
    let decision: RetryDecision;
    try {
      decision = await core.lifecycle.retry(job.runId, run.holder, {
        retryable,
        leaseMs: this.handOff ? null : this.options.leaseMs,
        cursor: result.cursor,
      });
    } catch (e) {
      if (!(e instanceof LeaseLostError)) this.options.onError(e, `retry run ${job.runId}`);
      return e instanceof LeaseLostError; // taken over: nothing of it is ours to end
    }
    if (!decision.retried) {
      const failed = `Attempt ${decision.attempt} of ${decision.maxAttempts} failed: ${result.error}`;
      if (decision.reason === 'not-retryable' && shuttingDown)
        logger.warn(null, `${failed} (retryable); not retried: the server is shutting down.`);
      else if (decision.reason === 'not-retryable') logger.warn(null, `${failed} (not retryable); no retry.`);
      else if (decision.reason === 'no-attempts-left') logger.error(null, `${failed} (retryable); no attempts left.`);
      // No policy (the usual end), or a cancel asked for meanwhile: nothing more to say.
      return false;
    }
    logger.warn(
      null,
      `Attempt ${decision.failedAttempt} of ${decision.maxAttempts} failed: ${result.error} (retryable); retrying in ${decision.delayMs / 1000} s.`,
    );
    await logger.flush().catch((e) => this.options.onError(e, 'log'));
    if (!this.handOff) {
      // A shutdown that began meanwhile would not wait for it.
      if (this.draining) await this.endUnstarted(job.runId, SHUTDOWN);
      else this.waitForNextAttempt(job, decision.delayMs);
      return true;
    }
    try {
      await this.handOff(job.runId, decision.delayMs, job.orgId);
    } catch (e) {
      // Nothing would bring the run back: it ends here, with why (PENDING: no holder).
      this.options.onError(e, `hand off the retry of run ${job.runId}`);
      await core.lifecycle
        .finish(job.runId, null, {
          status: 'ERROR',
          error: `${result.error} (the next attempt could not be queued: ${messageOf(e)})`,
          ...nothingDone(),
        })
        .catch((err) => this.options.onError(err, `finish run ${job.runId}`));
    }
    return true;
  }

  /** Renews the lease and saves progress; a `stop` answer (cancel requested elsewhere) aborts the run. */
  private beat(runId: string, run: ActiveRun): void {
    if (run.beating) return;
    const core = this.requireCore();
    run.beating = (async () => {
      try {
        await run.logger.flush();
        const answer = await core.lifecycle.heartbeat(runId, run.holder, this.options.leaseMs, run.progress.snapshot());
        // A lost lease aborts even a run that is stopping already: its end is not ours to report.
        if (answer === 'lost') run.controller.abort(new RunAbort('lease', LEASE_LOST));
        else if (answer === 'stop' && !run.controller.signal.aborted)
          run.controller.abort(new RunAbort('cancel', CANCELLED));
      } catch (e) {
        this.options.onError(e, `heartbeat of run ${runId}`);
      } finally {
        run.beating = null;
      }
    })();
  }

  private async recoverOnce(): Promise<Run[]> {
    const core = this.requireCore();
    try {
      const ended = await core.lifecycle.recoverExpired();
      for (const run of ended) {
        const logger = new RunLogger(run.id, core.lifecycle, core.clock, core.ids);
        logger.error(null, `Run ended as ${run.status}: ${run.error}.`);
        await logger.flush();
      }
      return ended;
    } catch (e) {
      this.options.onError(e, 'lease recovery');
      return [];
    }
  }

  /** Ends a run that never started here (shutdown): PENDING → EXECUTING → STOPPED. */
  private async endUnstarted(runId: string, reason: string): Promise<void> {
    const core = this.requireCore();
    try {
      const started = await core.lifecycle.begin(runId, this.options.leaseMs);
      if (started)
        await core.lifecycle.finish(runId, started.holder, { status: 'STOPPED', error: reason, ...nothingDone() });
    } catch (e) {
      this.options.onError(e, `stop run ${runId}`);
    }
  }
}

function nothingDone() {
  return { stages: emptyCounters(), files: { total: 0, ok: 0, failed: 0 } };
}
