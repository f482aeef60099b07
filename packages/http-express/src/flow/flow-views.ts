import { flowAccess, type Actor, type Pipeline, type Run, type RunStatus } from '@pipewright/core';

/** A pipeline in GET /api/v1/flow/pipeline: the caller's own permissions on it (core flowAccess). */
export function flowPipelineView(actor: Actor, p: Pipeline) {
  const access = flowAccess(actor, p);
  return { name: p.name, id: p.id, permissions: access.permissions, is_manager: access.isManager };
}

/** A pipeline in `updated_pipelines` (the seed's camelCase keys). */
export function updatedPipelineView(p: Pipeline) {
  return { flowPipelineName: p.name, flowPipelineId: p.id };
}

export type FlowJobState = 'RUNNING' | 'COMPLETE' | 'FAILED' | 'CANCELLED';

/**
 * A run's status in Flow's job vocabulary. Flow has no "queued" or "stopping" state: a
 * pending run (waiting for a worker) and a stopping one (cancel requested, not yet
 * confirmed) are both still RUNNING.
 */
export function flowJobState(status: RunStatus): FlowJobState {
  switch (status) {
    case 'COMPLETED':
      return 'COMPLETE';
    case 'ERROR':
      return 'FAILED';
    case 'STOPPED':
      return 'CANCELLED';
    default:
      return 'RUNNING';
  }
}

/**
 * GET /api/v1/jobs/status in the Job API's shape: `state` PENDING until the job ends, then
 * DONE; `cur_status` a JSON-encoded string whose `status` is the Flow state; `results` only
 * once the job is in a terminal state.
 */
export function jobStatusView(run: Run) {
  const state = flowJobState(run.status);
  const { passed, failed } = run.stages;
  const files = run.files;
  const curStatus = {
    status: state,
    curProgress: run.isOpen ? 0 : 1,
    finish_timestamp: run.endedAt ? Math.floor(run.endedAt.getTime() / 1000) : null,
    run_summary: {
      numRecords: passed[0]! + failed[0]!,
      numFiles: files.total,
      numRuntimeErrors: failed.reduce((a, b) => a + b, 0),
    },
  };
  return {
    status: 'OK',
    job_id: run.id,
    state: run.isOpen ? 'PENDING' : 'DONE',
    msg: run.isOpen ? 'Job is running.' : run.error ? run.error : 'Job finished.',
    is_waiting_for_resources: run.status === 'PENDING',
    cur_status: JSON.stringify(curStatus),
    ...(run.isOpen
      ? {}
      : {
          results: [
            state === 'COMPLETE' ? { status: 'OK' } : { status: 'ERROR', msg: run.error ?? state.toLowerCase() },
          ],
        }),
  };
}
