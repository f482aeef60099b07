import { NotFoundError } from '../errors/domain-error.js';
import type { Run } from '../domain/run.js';
import type { Actor } from '../policies/actor.js';
import { isOwner, isOwnerOrSharedUserOrSharedToOrg } from '../policies/resource.policy.js';
import type { Repositories } from '../ports/storage.js';

/**
 * A run is visible when its pipeline is, when it has no pipeline and its workflow is,
 * or when any pipeline linked to it (a Flow job) is. The same rule adapters push down.
 */
export async function canSeeRun(tx: Repositories, actor: Actor, run: Run): Promise<boolean> {
  if (run.orgId !== actor.orgId) return false;
  if (actor.kind === 'service' || actor.role === 'admin') return true;
  for (const id of [run.pipelineId, ...run.linkedPipelineIds]) {
    if (!id) continue;
    const p = await tx.pipelines.findById(id);
    if (p && isOwnerOrSharedUserOrSharedToOrg(actor, p)) return true;
  }
  if (run.pipelineId === null) {
    const wf = await tx.workflows.findById(run.workflowId);
    if (wf && isOwnerOrSharedUserOrSharedToOrg(actor, wf)) return true;
  }
  return false;
}

/** Who may stop a run: whoever triggered it, or an owner of its pipeline (or of its workflow when it has none). */
export async function canChangeRun(tx: Repositories, actor: Actor, run: Run): Promise<boolean> {
  if (run.orgId !== actor.orgId) return false;
  if (actor.kind === 'service' || actor.role === 'admin' || run.triggeredBy === actor.userId) return true;
  if (run.pipelineId) {
    const p = await tx.pipelines.findById(run.pipelineId);
    return !!p && isOwner(actor, p);
  }
  const wf = await tx.workflows.findById(run.workflowId);
  return !!wf && isOwner(actor, wf);
}

export async function assertCanSeeRun(
  tx: Repositories,
  actor: Actor,
  run: Run | null,
  id: string | number,
): Promise<Run> {
  if (!run || !(await canSeeRun(tx, actor, run))) throw new NotFoundError('Run', id);
  return run;
}
