import type { LogLevel, Run } from '@pipewright/core';
import type { WorkerCore } from './worker-ports.js';

export const RESTARTED =
  'Run restarted from the start: the worker executing it stopped renewing its lease; counters reset.';

/**
 * Runs whose lease expired (their worker died): those of a workflow with `retryOnInterrupt`
 * go back to PENDING from the start (Run.restart: counters reset) and are enqueued again,
 * with a log line saying so; the rest end as ERROR "interrupted" (core's recoverExpired).
 * Each decision is one transaction holding the run's row, so two processes recovering at
 * once act once, and a restarted run can only begin again on one worker.
 */
export class InterruptRecovery {
  constructor(
    private readonly core: WorkerCore,
    private readonly enqueue: (runId: string, orgId: string) => Promise<void>,
  ) {}

  /** One pass; returns the runs restarted and those ended. */
  async recoverOnce(limit = 100): Promise<{ restarted: Run[]; ended: Run[] }> {
    const restarted = await this.core.lifecycle.restartExpired(limit);
    for (const run of restarted) {
      await this.log(run.id, 'WARN', RESTARTED);
      await this.enqueue(run.id, run.orgId);
    }
    const ended = await this.core.lifecycle.recoverExpired(limit);
    for (const run of ended) await this.log(run.id, 'ERROR', `Run ended as ${run.status}: ${run.error}.`);
    return { restarted, ended };
  }

  private async log(runId: string, level: LogLevel, message: string): Promise<void> {
    const { clock, ids } = this.core;
    await this.core.lifecycle.log([
      { id: ids.uuid(), runId, level, stage: null, message, fileExecutionId: null, time: clock.now() },
    ]);
  }
}
