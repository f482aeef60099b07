import { InvalidStateError, ValidationError, type Actor, type Core, type Run } from '@pipewright/core';
import type { Request } from 'express';
import type { RequestUploads } from '../shared/request-uploads.js';
import type { UnstractExecuteWorkflowDto } from './unstract-dtos.js';

export const DEFAULT_WAIT_SECONDS = 300;

/**
 * `workflow/execute/`, mapped onto runs:
 * - no `execution_id` (START or no action): runs the workflow with the uploaded files and
 *   answers at once (the execution is PENDING until the engine picks it up);
 * - an `execution_id` (START, NEXT or CONTINUE): with files, runs the workflow with them
 *   (Unstract's second call); then waits up to `timeout` seconds for the execution to end;
 * - STOP with an `execution_id`: cancels that execution.
 * Our engine does not pause between stages, so NEXT runs to the end like CONTINUE.
 */
export async function executeWorkflow(
  core: Core,
  actor: Actor,
  dto: UnstractExecuteWorkflowDto,
  uploads: Pick<RequestUploads, 'count' | 'handTo'>,
  /** Aborts when the client went away: the wait ends early. */
  stillWanted: AbortSignal,
): Promise<Run> {
  const action = dto.execution_action ?? 'START';
  if (!dto.execution_id) {
    if (action !== 'START') throw ValidationError.field('execution_id', 'This field is required.', 'required');
    return uploads.handTo((files) => core.runs.triggerWorkflow(actor, dto.workflow_id, { files }));
  }
  const existing = await core.runs.get(actor, dto.execution_id);
  if (existing.workflowId !== dto.workflow_id)
    throw ValidationError.field('execution_id', 'Invalid execution id for this workflow.');
  if (action === 'STOP') {
    if (existing.isTerminal) return existing;
    // The run may end between the read and the cancel: then report how it ended.
    return core.runs.cancel(actor, existing.id).catch(async (e: unknown) => {
      if (e instanceof InvalidStateError) return core.runs.get(actor, existing.id);
      throw e;
    });
  }
  const run = uploads.count
    ? await uploads.handTo((files) => core.runs.triggerWorkflow(actor, dto.workflow_id, { files }))
    : existing;
  return core.runs.waitForEnd(actor, run.id, {
    timeoutMs: (dto.timeout ?? DEFAULT_WAIT_SECONDS) * 1000,
    signal: stillWanted,
  });
}

/** A signal that aborts when the request's connection closes (the client stopped waiting); dispose when done. */
export function whenClientGone(req: Request): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const abort = () => controller.abort();
  if (req.socket.destroyed) abort();
  else req.socket.once('close', abort);
  return { signal: controller.signal, dispose: () => void req.socket.off('close', abort) };
}
