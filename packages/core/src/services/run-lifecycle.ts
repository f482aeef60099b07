import { LeaseLostError, NotFoundError } from '../errors/domain-error.js';
import type { Pipeline } from '../domain/pipeline.js';
import type { FileCounters, Run, StageCounters } from '../domain/run.js';
import type { FileExecution, RunLog } from '../domain/run-log.js';
import type { Organization } from '../domain/organization.js';
import type { Workflow } from '../domain/workflow.js';
import type { Repositories } from '../ports/storage.js';
import type { CoreDeps } from './context.js';
import { lockRun } from './lock-order.js';

export interface RunOutcome {
  status: 'COMPLETED' | 'ERROR' | 'STOPPED';
  error?: string | null;
  stages: StageCounters;
  files: FileCounters;
  /** The incremental cursor reached, saved on the pipeline (also when the run failed midway). */
  cursor?: string | null;
}

/** Why `RunLifecycle.retry` did not retry: the caller finishes the run. */
export type NoRetryReason = 'no-policy' | 'not-retryable' | 'no-attempts-left' | 'ended';

/** What `RunLifecycle.retry` decided: a retry scheduled, or none and why (with the attempt, for the run's log). */
export type RetryDecision =
  | ({ retried: true } & ScheduledRetry)
  | { retried: false; reason: NoRetryReason; attempt: number; maxAttempts: number };

/** A retry `RunLifecycle.retry` scheduled: the run is PENDING again, for attempt `failedAttempt + 1`. */
export interface ScheduledRetry {
  run: Run;
  failedAttempt: number;
  maxAttempts: number;
  /** The wait before the next attempt (the pipeline's backoff). */
  delayMs: number;
}

/** A run `RunLifecycle.begin` started, with what executing it needs. */
export interface StartedRun {
  run: Run;
  pipeline: Pipeline | null;
  workflow: Workflow;
  /** The attempt's lease holder token: pass it to heartbeat, finish and retry. */
  holder: string;
}

/**
 * The executor's side of a run: start with a lease, heartbeat, progress, finish, and
 * recovery of runs whose process died. Each step is one transaction, taking its locks in
 * `LOCK_ORDER` (the run's pipeline, then the run: `lockRun`).
 *
 * The lease is the Run's: `begin` gives the attempt a holder token, and heartbeat, finish and
 * retry are checked against it under the run's row lock, so an executor that stalled past its
 * lease (its run restarted and began elsewhere) can neither renew, end nor retry the attempt
 * that replaced its own.
 */
export class RunLifecycle {
  constructor(private readonly deps: CoreDeps) {}

  /**
   * PENDING → EXECUTING with a lease held by a new token (`holder`). Returns null when the run
   * is no longer pending (cancelled meanwhile, or taken by another worker).
   */
  async begin(runId: string, leaseMs: number): Promise<StartedRun | null> {
    const started = await this.deps.storage.transaction(async (tx) => {
      const locked = await lockRun(tx, runId, 'update');
      if (!locked || locked.run.status !== 'PENDING') return null;
      const { run, pipeline } = locked;
      const workflow = await tx.workflows.findById(run.workflowId);
      if (!workflow) throw new NotFoundError('Workflow', run.workflowId);
      const now = this.deps.clock.now();
      const holder = this.deps.ids.uuid();
      run.start(now, new Date(now.getTime() + leaseMs), holder);
      await tx.runs.update(run);
      if (pipeline) {
        pipeline.recordRunStatus(run);
        await tx.pipelines.update(pipeline);
      }
      return { run, pipeline, workflow, holder };
    });
    if (started)
      this.deps.events.publish({
        type: 'run.started',
        runId,
        pipelineId: started.run.pipelineId,
        orgId: started.run.orgId,
        at: this.deps.clock.now(),
      });
    return started;
  }

  /**
   * Renews the lease and saves progress, for the attempt's `holder` (null: a PENDING run waiting
   * in a process's queue). Returns `stop` when a cancel was requested (or the run is gone), so
   * the executor aborts the stage; `lost` when `holder` no longer holds the run (it was
   * restarted or began elsewhere): the executor aborts and leaves the run alone.
   */
  async heartbeat(
    runId: string,
    holder: string | null,
    leaseMs: number,
    progress?: { stages: StageCounters; files: FileCounters },
  ): Promise<'continue' | 'stop' | 'lost'> {
    return this.deps.storage.transaction(async (tx) => {
      // The pipeline only has to stay: a shared lock, so heartbeats do not queue behind each other.
      const run = (await lockRun(tx, runId, 'share'))?.run;
      if (!run || !run.isOpen) return 'stop';
      if (run.leaseHolder !== holder) return 'lost';
      const now = this.deps.clock.now();
      run.heartbeat(now, new Date(now.getTime() + leaseMs), holder);
      if (progress) run.recordProgress(progress.stages, progress.files, now);
      await tx.runs.update(run);
      return run.status === 'STOPPING' ? 'stop' : 'continue';
    });
  }

  /**
   * Ends the attempt of `holder` (null: a PENDING run that could not start) and updates the
   * pipeline's bookkeeping (last run, cursor) in one transaction. Returns null when the run is
   * gone or ended already; throws `LeaseLostError` when `holder` no longer holds it.
   */
  async finish(runId: string, holder: string | null, outcome: RunOutcome): Promise<Run | null> {
    const run = await this.deps.storage.transaction(async (tx) => {
      const locked = await lockRun(tx, runId, 'update');
      if (!locked || locked.run.isTerminal) return null;
      const { run, pipeline } = locked;
      const now = this.deps.clock.now();
      run.endAttempt(holder, outcome, now);
      await tx.runs.update(run);
      await this.bookkeep(tx, run, pipeline, outcome.cursor);
      return run;
    });
    if (run)
      this.deps.events.publish({
        type: 'run.finished',
        runId,
        pipelineId: run.pipelineId,
        orgId: run.orgId,
        status: run.status,
        at: this.deps.clock.now(),
      });
    return run;
  }

  /**
   * After an attempt failed: when the failure is `retryable` and the run's pipeline allows
   * another attempt, puts the run back to PENDING (attempt counted, counters reset) and says how
   * long to wait. Otherwise says why not — no retry policy (or no pipeline), a failure that is
   * not retryable, no attempts left, or the run no longer executing (a cancel asked for
   * meanwhile) — and the caller finishes the run. The pipeline's policy is decided here only.
   * `leaseMs` is the lease of a process that holds the run while it waits (renewing it with
   * `heartbeat`); null when a queue brings it back. Throws `LeaseLostError` when `holder` no
   * longer holds the run.
   */
  async retry(
    runId: string,
    holder: string,
    attempt: { retryable: boolean; leaseMs: number | null; cursor?: string | null },
  ): Promise<RetryDecision> {
    const decision = await this.deps.storage.transaction(async (tx): Promise<RetryDecision> => {
      const locked = await lockRun(tx, runId, 'update');
      const run = locked?.run;
      if (!run || run.isTerminal)
        return { retried: false, reason: 'ended', attempt: run?.attempt ?? 0, maxAttempts: 1 };
      if (run.leaseHolder !== holder) throw new LeaseLostError(runId, holder);
      const pipeline = locked.pipeline;
      const maxAttempts = pipeline?.retry.maxAttempts ?? 1;
      const refused = (reason: NoRetryReason): RetryDecision => ({
        retried: false,
        reason,
        attempt: run.attempt,
        maxAttempts,
      });
      if (run.status !== 'EXECUTING') return refused('ended');
      if (!pipeline || maxAttempts <= 1) return refused('no-policy');
      if (!attempt.retryable) return refused('not-retryable');
      if (!pipeline.retry.allowsAttemptAfter(run.attempt)) return refused('no-attempts-left');
      const failedAttempt = run.attempt;
      const delayMs = pipeline.retry.delayMsAfter(failedAttempt);
      const now = this.deps.clock.now();
      run.retry(now, attempt.leaseMs === null ? null : new Date(now.getTime() + attempt.leaseMs), holder);
      await tx.runs.update(run);
      pipeline.recordRunStatus(run);
      if (attempt.cursor !== undefined) pipeline.advanceCursor(attempt.cursor);
      await tx.pipelines.update(pipeline);
      return { retried: true, run, failedAttempt, maxAttempts, delayMs };
    });
    const scheduled = decision.retried ? decision : null;
    if (scheduled)
      this.deps.events.publish({
        type: 'run.retrying',
        runId,
        pipelineId: scheduled.run.pipelineId,
        orgId: scheduled.run.orgId,
        attempt: scheduled.run.attempt,
        delayMs: scheduled.delayMs,
        at: this.deps.clock.now(),
      });
    return decision;
  }

  /** Saves the incremental cursor reached so far (every batch), so a crash loses little. */
  async saveCursor(pipelineId: string, cursor: string): Promise<void> {
    await this.deps.storage.transaction(async (tx) => {
      const p = await tx.pipelines.findByIdForUpdate(pipelineId);
      if (!p) return;
      p.advanceCursor(cursor);
      await tx.pipelines.update(p);
    });
  }

  async log(lines: readonly RunLog[]): Promise<void> {
    if (lines.length) await this.deps.storage.runLogs.append(lines);
  }

  /** Ends every open run whose lease expired (its process died) as ERROR "interrupted". Returns how many. */
  async recoverExpired(limit = 100): Promise<Run[]> {
    const now = this.deps.clock.now();
    const expired = await this.deps.storage.runs.listExpiredLeases(now, limit);
    const ended: Run[] = [];
    for (const candidate of expired) {
      const run = await this.deps.storage.transaction(async (tx) => {
        const locked = await lockRun(tx, candidate.id, 'update');
        const run = locked?.run;
        if (!run || !run.isOpen || !run.leaseExpiresAt || run.leaseExpiresAt > now) return null;
        run.interrupt(now);
        await tx.runs.update(run);
        await this.bookkeep(tx, run, locked.pipeline);
        return run;
      });
      if (run) {
        ended.push(run);
        this.deps.events.publish({
          type: 'run.finished',
          runId: run.id,
          pipelineId: run.pipelineId,
          orgId: run.orgId,
          status: run.status,
          at: now,
        });
      }
    }
    return ended;
  }

  /** The run as stored now; null once deleted. What an executor checks before taking a queued run and after it ended. */
  async find(runId: string): Promise<Run | null> {
    return this.deps.storage.runs.findById(runId);
  }

  /** Records one file of a run: its execution row (EXECUTING, then its outcome; saved again under the same id). */
  async recordFileExecution(execution: FileExecution): Promise<void> {
    await this.deps.storage.fileExecutions.save(execution);
  }

  /** The organization a run executes in (its folder, its own run limit); null once deleted. */
  async organization(orgId: string): Promise<Organization | null> {
    return this.deps.storage.organizations.findById(orgId);
  }

  /** Organizations with their own limit on runs executing at once (`maxConcurrentRuns` set), in any order. */
  async organizationsWithRunLimit(): Promise<Organization[]> {
    return this.deps.storage.organizations.listWithRunLimit();
  }

  /**
   * Runs whose lease expired (their process died) and whose workflow has `retryOnInterrupt`:
   * each goes back to PENDING from the start (`Run.restart`, counters reset), one transaction
   * holding its row, so two processes recovering at once restart it once. Returns them, for the
   * caller to queue again; the other expired runs are left to `recoverExpired`.
   */
  async restartExpired(limit = 100): Promise<Run[]> {
    const now = this.deps.clock.now();
    const restarted: Run[] = [];
    for (const candidate of await this.deps.storage.runs.listExpiredLeases(now, limit)) {
      const run = await this.deps.storage.transaction(async (tx) => {
        const run = (await lockRun(tx, candidate.id, 'share'))?.run;
        if (!run || run.status !== 'EXECUTING' || !run.leaseExpiresAt || run.leaseExpiresAt > now) return null;
        const workflow = await tx.workflows.findById(run.workflowId);
        if (!workflow?.retryOnInterrupt) return null;
        run.restart(now);
        await tx.runs.update(run);
        return run;
      });
      if (run) restarted.push(run);
    }
    return restarted;
  }

  /** The run's pipeline (locked for update before the run, see `lockRun`) records how it ended. */
  private async bookkeep(tx: Repositories, run: Run, pipeline: Pipeline | null, cursor?: string | null): Promise<void> {
    if (!pipeline) return;
    pipeline.recordRunFinished(run, cursor);
    await tx.pipelines.update(pipeline);
  }
}
