import type { Repositories } from '../ports/storage.js';
import { query } from '../ports/query.js';
import { lockRun } from './lock-order.js';

const BATCH = 100;

/**
 * Cancels every run of the organization that is PENDING or EXECUTING, inside the caller's
 * transaction, oldest first (Meergo's cancelIncompatibleOperations). Each run is locked after
 * its pipeline (`lockRun`, the one lock order); a PENDING run stops at once, an EXECUTING one moves to
 * STOPPING. Returns the ids of the runs changed, for the caller to tell the executor once the
 * transaction has committed.
 */
export async function cancelOpenRunsIn(tx: Repositories, orgId: string, by: string, now: Date): Promise<string[]> {
  const tried = new Set<string>();
  const cancelled: string[] = [];
  for (;;) {
    const page = await tx.runs.list(
      { orgId, userId: by, all: true },
      query({
        filters: [{ field: 'status', op: 'oneof', value: ['PENDING', 'EXECUTING'] }],
        sort: [{ field: 'createdAt', direction: 'asc' }],
        page: { page: 1, size: BATCH },
      }),
    );
    const fresh = page.items.filter((r) => !tried.has(r.id));
    if (!fresh.length) return cancelled;
    for (const listed of fresh) {
      tried.add(listed.id);
      const locked = await lockRun(tx, listed.id, 'update');
      // Gone, ended or already stopping since it was listed: nothing to cancel.
      if (!locked || (locked.run.status !== 'PENDING' && locked.run.status !== 'EXECUTING')) continue;
      const { run, pipeline } = locked;
      run.requestCancel(by, now);
      await tx.runs.update(run);
      if (pipeline) {
        pipeline.recordRunStatus(run);
        await tx.pipelines.update(pipeline);
      }
      cancelled.push(run.id);
    }
  }
}
