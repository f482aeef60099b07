import type { Pipeline } from '../domain/pipeline.js';
import type { Run } from '../domain/run.js';
import type { Repositories } from '../ports/storage.js';

/**
 * The one lock order. Every transaction that touches a pipeline and its runs takes its row
 * locks in this order, so two of them queue behind each other instead of deadlocking (delete
 * locking pipeline then runs while the engine locked run then pipeline was a deadlock, a 500):
 *
 * 0. the organization row, only in a transaction that changes the organization and then its
 *    runs (a mode change that cancels them): it is the one place that locks several pipelines,
 *    and two of them for one organization queue here;
 * 1. the pipeline row — `findByIdForUpdate` when the transaction writes the pipeline or deletes
 *    it, `findByIdForShare` when it only needs the pipeline to stay (a heartbeat);
 * 2. then its runs — `runs.findByIdForUpdate` (a new run is inserted under the pipeline's lock);
 * 3. then the runs' children — logs, file executions, pipeline links — which are written,
 *    never locked first.
 *
 * Take the strongest lock a row needs at once: two transactions that both hold a shared lock
 * and then want it for update deadlock. A transaction that starts from a run (begin,
 * heartbeat, finish, retry, cancel, delete a run) reads it unlocked to learn its pipeline and
 * locks through `lockRun`. Otherwise organizations and workflows are read, not locked, by these
 * transactions. Storage retries the rare deadlock that remains (see `Storage.transaction`).
 */
export const LOCK_ORDER = ['organization', 'pipeline', 'run', 'run children'] as const;

/** How a transaction locks a run's pipeline: to write it, or only to keep it from going away. */
export type PipelineLock = 'update' | 'share';

/** A run locked for update, with its pipeline (null for a run without one) locked before it. */
export interface LockedRun {
  run: Run;
  pipeline: Pipeline | null;
}

/**
 * Locks a run in `LOCK_ORDER`: its pipeline first (`pipelineLock`), then the run. Null when
 * the run does not exist, or went with its pipeline while we waited for the lock.
 */
export async function lockRun(tx: Repositories, runId: string, pipelineLock: PipelineLock): Promise<LockedRun | null> {
  const peek = await tx.runs.findById(runId);
  if (!peek) return null;
  let pipeline: Pipeline | null = null;
  if (peek.pipelineId) {
    pipeline =
      pipelineLock === 'update'
        ? await tx.pipelines.findByIdForUpdate(peek.pipelineId)
        : await tx.pipelines.findByIdForShare(peek.pipelineId);
    // Deleted meanwhile: its runs went with it.
    if (!pipeline) return null;
  }
  const run = await tx.runs.findByIdForUpdate(runId);
  return run ? { run, pipeline } : null;
}
