import type { CoreDeps, RunLifecycle } from '@pipewright/core';

type Lifecycle = Pick<RunLifecycle, 'begin' | 'heartbeat' | 'finish' | 'retry'>;

/**
 * A fencing token for runs executed by a worker: the start time `begin` gave the run. A
 * worker that stalled past its lease (its run was restarted and began on another worker)
 * finds a different start time at its next heartbeat: the heartbeat answers `stop` (the
 * engine aborts) and its `finish` is dropped, so it neither renews the other worker's lease
 * nor ends the other worker's run (nor sends it back for a retry). Core's heartbeat alone does
 * not check who holds a lease.
 *
 * Returns `core` with its lifecycle wrapped; everything else passes through.
 */
export function fenceRuns<C extends { lifecycle: Lifecycle; deps: Pick<CoreDeps, 'storage'> }>(core: C): C {
  const inner = core.lifecycle;
  const starts = new Map<string, number>();
  const stillOurs = async (runId: string): Promise<boolean> => {
    const at = starts.get(runId);
    if (at === undefined) return true; // not begun through this wrapper
    const run = await core.deps.storage.runs.findById(runId);
    return !!run && run.startedAt?.getTime() === at;
  };
  // Inherits every other method (log, saveCursor …) from the real lifecycle.
  const lifecycle = Object.create(inner) as C['lifecycle'];
  lifecycle.begin = async (runId, leaseMs) => {
    const started = await inner.begin(runId, leaseMs);
    if (started?.run.startedAt) starts.set(runId, started.run.startedAt.getTime());
    return started;
  };
  lifecycle.heartbeat = async (runId, leaseMs, progress) => ((await stillOurs(runId)) ? inner.heartbeat(runId, leaseMs, progress) : 'stop');
  lifecycle.finish = async (runId, outcome) => {
    try {
      return (await stillOurs(runId)) ? await inner.finish(runId, outcome) : null;
    } finally {
      starts.delete(runId);
    }
  };
  // A retried run is PENDING again: its next `begin` (here or on another worker) sets a new token.
  // Without a retry the token stays, to fence the `finish` that follows.
  lifecycle.retry = async (runId, leaseMs, cursor) => {
    const retry = (await stillOurs(runId)) ? await inner.retry(runId, leaseMs, cursor) : null;
    if (retry) starts.delete(runId);
    return retry;
  };
  return Object.assign(Object.create(Object.getPrototypeOf(core) as object) as C, core, { lifecycle });
}
