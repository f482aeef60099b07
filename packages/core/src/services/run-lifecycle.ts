import { NotFoundError } from '../errors/domain-error.js';
import type { Pipeline } from '../domain/pipeline.js';
import type { FileCounters, Run, StageCounters } from '../domain/run.js';
import type { RunLog } from '../domain/run-log.js';
import type { Workflow } from '../domain/workflow.js';
import type { Repositories } from '../ports/storage.js';
import type { CoreDeps } from './context.js';

export interface RunOutcome {
  status: 'COMPLETED' | 'ERROR' | 'STOPPED';
  error?: string | null;
  stages: StageCounters;
  files: FileCounters;
  /** The incremental cursor reached, saved on the pipeline (also when the run failed midway). */
  cursor?: string | null;
}

/** A retry `RunLifecycle.retry` scheduled: the run is PENDING again, for attempt `failedAttempt + 1`. */
export interface ScheduledRetry {
  run: Run;
  failedAttempt: number;
  maxAttempts: number;
  /** The wait before the next attempt (the pipeline's backoff). */
  delayMs: number;
}

/**
 * The executor's side of a run: start with a lease, heartbeat, progress, finish, and
 * recovery of runs whose process died. Each step is one transaction.
 */
export class RunLifecycle {
  constructor(private readonly deps: CoreDeps) {}

  /**
   * PENDING → EXECUTING with a lease. Returns null when the run is no longer pending
   * (cancelled meanwhile, or taken by another worker).
   */
  async begin(runId: string, leaseMs: number): Promise<{ run: Run; pipeline: Pipeline | null; workflow: Workflow } | null> {
    const started = await this.deps.storage.transaction(async (tx) => {
      const run = await tx.runs.findByIdForUpdate(runId);
      if (!run || run.status !== 'PENDING') return null;
      const workflow = await tx.workflows.findById(run.workflowId);
      if (!workflow) throw new NotFoundError('Workflow', run.workflowId);
      const pipeline = run.pipelineId ? await tx.pipelines.findById(run.pipelineId) : null;
      const now = this.deps.clock.now();
      run.start(now, new Date(now.getTime() + leaseMs));
      await tx.runs.update(run);
      if (pipeline) {
        const locked = await tx.pipelines.findByIdForUpdate(pipeline.id);
        locked?.recordRunStatus(run);
        if (locked) await tx.pipelines.update(locked);
      }
      return { run, pipeline, workflow };
    });
    if (started)
      this.deps.events.publish({ type: 'run.started', runId, pipelineId: started.run.pipelineId, orgId: started.run.orgId, at: this.deps.clock.now() });
    return started;
  }

  /**
   * Renews the lease and saves progress. Returns `stop` when a cancel was requested
   * (or the run is gone), so the executor aborts the stage.
   */
  async heartbeat(runId: string, leaseMs: number, progress?: { stages: StageCounters; files: FileCounters }): Promise<'continue' | 'stop'> {
    return this.deps.storage.transaction(async (tx) => {
      const run = await tx.runs.findByIdForUpdate(runId);
      if (!run || !run.isOpen) return 'stop';
      const now = this.deps.clock.now();
      run.heartbeat(now, new Date(now.getTime() + leaseMs));
      if (progress) run.recordProgress(progress.stages, progress.files, now);
      await tx.runs.update(run);
      return run.status === 'STOPPING' ? 'stop' : 'continue';
    });
  }

  /** Ends the run and updates its pipeline's bookkeeping (last run, cursor) in one transaction. */
  async finish(runId: string, outcome: RunOutcome): Promise<Run | null> {
    const run = await this.deps.storage.transaction(async (tx) => {
      const run = await tx.runs.findByIdForUpdate(runId);
      if (!run || run.isTerminal) return null;
      const now = this.deps.clock.now();
      if (outcome.status === 'COMPLETED' && run.status === 'STOPPING') run.markStopped(now, outcome.stages, outcome.files);
      else if (outcome.status === 'COMPLETED') run.complete(now, outcome.stages, outcome.files);
      else if (outcome.status === 'STOPPED') run.markStopped(now, outcome.stages, outcome.files, outcome.error ?? undefined);
      else run.fail(outcome.error ?? 'error', now, outcome.stages, outcome.files);
      await tx.runs.update(run);
      await this.bookkeep(tx, run, outcome.cursor);
      return run;
    });
    if (run)
      this.deps.events.publish({ type: 'run.finished', runId, pipelineId: run.pipelineId, orgId: run.orgId, status: run.status, at: this.deps.clock.now() });
    return run;
  }

  /**
   * After an attempt failed with a retryable error: when the run's pipeline allows another
   * attempt, puts the run back to PENDING (attempt counted, counters reset) and says how long
   * to wait. Returns null when there is none — no attempts left, no pipeline, or a cancel
   * asked for meanwhile (STOPPING) — and the caller finishes the run. `leaseMs` is the lease
   * of a process that holds the run while it waits (renewing it with `heartbeat`); null when
   * a queue brings it back.
   */
  async retry(runId: string, leaseMs: number | null, cursor?: string | null): Promise<ScheduledRetry | null> {
    const scheduled = await this.deps.storage.transaction(async (tx) => {
      const run = await tx.runs.findByIdForUpdate(runId);
      if (!run || run.status !== 'EXECUTING' || !run.pipelineId) return null;
      const pipeline = await tx.pipelines.findByIdForUpdate(run.pipelineId);
      if (!pipeline || !pipeline.retry.allowsAttemptAfter(run.attempt)) return null;
      const failedAttempt = run.attempt;
      const delayMs = pipeline.retry.delayMsAfter(failedAttempt);
      const now = this.deps.clock.now();
      run.retry(now, leaseMs === null ? null : new Date(now.getTime() + leaseMs));
      await tx.runs.update(run);
      pipeline.recordRunStatus(run);
      if (cursor !== undefined) pipeline.advanceCursor(cursor);
      await tx.pipelines.update(pipeline);
      return { run, failedAttempt, maxAttempts: pipeline.retry.maxAttempts, delayMs };
    });
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
    return scheduled;
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
        const run = await tx.runs.findByIdForUpdate(candidate.id);
        if (!run || !run.isOpen || !run.leaseExpiresAt || run.leaseExpiresAt > now) return null;
        run.interrupt(now);
        await tx.runs.update(run);
        await this.bookkeep(tx, run);
        return run;
      });
      if (run) {
        ended.push(run);
        this.deps.events.publish({ type: 'run.finished', runId: run.id, pipelineId: run.pipelineId, orgId: run.orgId, status: run.status, at: now });
      }
    }
    return ended;
  }

  private async bookkeep(tx: Repositories, run: Run, cursor?: string | null): Promise<void> {
    if (!run.pipelineId) return;
    const p = await tx.pipelines.findByIdForUpdate(run.pipelineId);
    if (!p) return;
    p.recordRunFinished(run, cursor);
    await tx.pipelines.update(p);
  }
}
