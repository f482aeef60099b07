import { CANCELLED, emptyCounters, type Executor, type Run, type UploadedFile } from '@pipewright/core';
import { resolveEngineOptions, type EngineOptions, type ResolvedEngineOptions } from './engine-options.js';
import { EngineDefinitionValidator } from './definition-validator.js';
import { RunAbort } from './errors.js';
import { RunEngine, type EngineCore, type RunResult } from './run-engine.js';
import { RunLogger } from './run-logger.js';
import { RunProgress } from './stage-tally.js';
import { messageOf } from './stages/record-stage.js';

export const SHUTDOWN = 'run stopped: the server shut down';

interface QueuedRun {
  runId: string;
  uploads: UploadedFile[];
}

interface ActiveRun {
  controller: AbortController;
  progress: RunProgress;
  logger: RunLogger;
  /** The heartbeat in flight, if any (never two at once). */
  beating: Promise<void> | null;
}

/**
 * Executes runs in this process: a queue with a concurrency limit; per run an
 * AbortController, a heartbeat that renews the lease (and notices a cancel made
 * elsewhere), and an optional timeout. `startRecovery()` ends runs whose lease expired
 * (their process died) as ERROR "interrupted"; `drain()` stops everything for shutdown.
 *
 * The engine reports through the core and the core submits to the executor, so the
 * executor is created first and given the core with `attach`.
 */
export class InProcessExecutor implements Executor {
  private readonly options: ResolvedEngineOptions;
  private core: EngineCore | null = null;
  private engine: RunEngine | null = null;
  private readonly queue: QueuedRun[] = [];
  private readonly active = new Map<string, ActiveRun>();
  /** Every run this executor has taken and not finished, queued or running. */
  private readonly pending = new Map<string, Promise<void>>();
  private readonly resolvers = new Map<string, () => void>();
  private running = 0;
  private draining = false;
  private recoveryTimer: ReturnType<typeof setInterval> | null = null;
  /** Renews the leases of queued (PENDING) runs while any wait here. */
  private queueLeases: ReturnType<typeof setInterval> | null = null;

  constructor(options: EngineOptions = {}) {
    this.options = resolveEngineOptions(options);
  }

  /** The registry in use (to list connectors, or add some before runs start). */
  get registry() {
    return this.options.registry;
  }

  /** A definition validator over the same registry and file root (for `createCore({definitions})`). */
  get definitions(): EngineDefinitionValidator {
    return new EngineDefinitionValidator(this.options.registry, { fileRoot: this.options.fileRoot });
  }

  /** Gives the executor the core it reports to; required before the first submit. */
  attach(core: EngineCore): this {
    this.core = core;
    this.engine = new RunEngine(core, this.options);
    return this;
  }

  async submit(run: Run, options?: { files?: UploadedFile[] }): Promise<void> {
    this.requireCore();
    if (this.draining) {
      await this.endUnstarted(run.id, SHUTDOWN);
      return;
    }
    this.track(run.id);
    this.queue.push({ runId: run.id, uploads: options?.files ?? [] });
    this.pump();
    // A run that has to wait holds a lease from now on: if this process dies, recovery ends it.
    if (this.queue.some((j) => j.runId === run.id)) await this.holdQueued([run.id]);
  }

  async cancel(runId: string): Promise<void> {
    // A queued run was stopped in storage already (a PENDING run stops at once); `begin` skips it.
    this.active.get(runId)?.controller.abort(new RunAbort('cancel', CANCELLED));
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
   * `graceMs` to finish, then stops them (STOPPED, "the server shut down").
   */
  async drain(graceMs: number): Promise<void> {
    this.draining = true;
    this.stop();
    for (const job of this.queue.splice(0)) {
      await this.endUnstarted(job.runId, SHUTDOWN);
      this.untrack(job.runId);
    }
    this.leaseQueue();
    const all = Promise.allSettled([...this.pending.values()]);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    for (const run of this.active.values()) run.controller.abort(new RunAbort('shutdown', SHUTDOWN));
    await this.idle();
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

  /** Renews the leases of runs waiting in the queue (cancelled ones answer `stop` and are skipped at begin). */
  private async holdQueued(runIds: string[]): Promise<void> {
    const core = this.requireCore();
    for (const runId of runIds) {
      await core.lifecycle.heartbeat(runId, this.options.leaseMs).catch((e) => this.options.onError(e, `lease of queued run ${runId}`));
    }
  }

  private pump(): void {
    while (this.running < this.options.concurrency && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.running++;
      void this.execute(job).finally(() => {
        this.running--;
        this.untrack(job.runId);
        this.pump();
      });
    }
    this.leaseQueue();
  }

  /** Keeps the queue's leases renewed exactly while runs wait in it. */
  private leaseQueue(): void {
    if (this.queue.length > 0 && !this.queueLeases && !this.draining) {
      this.queueLeases = setInterval(() => void this.holdQueued(this.queue.map((j) => j.runId)), this.options.heartbeatMs);
      this.queueLeases.unref?.();
    } else if ((this.queue.length === 0 || this.draining) && this.queueLeases) {
      clearInterval(this.queueLeases);
      this.queueLeases = null;
    }
  }

  private async execute(job: QueuedRun): Promise<void> {
    const core = this.requireCore();
    const { leaseMs, heartbeatMs, runTimeoutMs } = this.options;
    let started;
    try {
      started = await core.lifecycle.begin(job.runId, leaseMs);
    } catch (e) {
      this.options.onError(e, `begin run ${job.runId}`);
      await core.lifecycle.finish(job.runId, { status: 'ERROR', error: `run could not start: ${messageOf(e)}`, ...nothingDone() }).catch((err) => this.options.onError(err, 'finish'));
      return;
    }
    if (!started) return; // cancelled while queued, or taken by another worker

    const { clock, ids } = core.deps;
    const run: ActiveRun = {
      controller: new AbortController(),
      progress: new RunProgress(),
      logger: new RunLogger(job.runId, core.lifecycle, clock, ids, this.options.logLevel),
      beating: null,
    };
    this.active.set(job.runId, run);
    const heartbeat = setInterval(() => this.beat(job.runId, run), heartbeatMs);
    const timeout = runTimeoutMs
      ? setTimeout(() => run.controller.abort(new RunAbort('timeout', `run timed out after ${runTimeoutMs} ms`)), runTimeoutMs)
      : null;
    let result: RunResult;
    try {
      result = await this.engine!.execute({ ...started, uploads: job.uploads, signal: run.controller.signal, progress: run.progress, logger: run.logger });
    } catch (e) {
      result = { status: 'ERROR', error: `engine failure: ${messageOf(e)}` };
    } finally {
      clearInterval(heartbeat);
      if (timeout) clearTimeout(timeout);
      this.active.delete(job.runId);
    }
    await run.beating;
    const reason = run.controller.signal.reason;
    const error = result.status === 'STOPPED' ? (reason instanceof RunAbort && reason.why !== 'cancel' ? reason.message : null) : result.error;
    const snapshot = run.progress.snapshot();
    run.logger.add(
      result.status === 'ERROR' ? 'ERROR' : 'INFO',
      null,
      `Run ${result.status}${error ? ` (${error})` : ''}: passed [${snapshot.stages.passed.join(', ')}], failed [${snapshot.stages.failed.join(', ')}].`,
    );
    await run.logger.flush().catch((e) => this.options.onError(e, 'log'));
    await core.lifecycle
      .finish(job.runId, { status: result.status, error, ...snapshot, cursor: result.cursor })
      .catch((e) => this.options.onError(e, `finish run ${job.runId}`));
  }

  /** Renews the lease and saves progress; a `stop` answer (cancel requested elsewhere) aborts the run. */
  private beat(runId: string, run: ActiveRun): void {
    if (run.beating) return;
    const core = this.requireCore();
    run.beating = (async () => {
      try {
        await run.logger.flush();
        const answer = await core.lifecycle.heartbeat(runId, this.options.leaseMs, run.progress.snapshot());
        if (answer === 'stop' && !run.controller.signal.aborted) run.controller.abort(new RunAbort('cancel', CANCELLED));
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
        const logger = new RunLogger(run.id, core.lifecycle, core.deps.clock, core.deps.ids);
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
      if (await core.lifecycle.begin(runId, this.options.leaseMs)) await core.lifecycle.finish(runId, { status: 'STOPPED', error: reason, ...nothingDone() });
    } catch (e) {
      this.options.onError(e, `stop run ${runId}`);
    }
  }
}

function nothingDone() {
  return { stages: emptyCounters(), files: { total: 0, ok: 0, failed: 0 } };
}
