import { visibleUnder, type Visibility } from '@pipewright/core';
import type { Reader } from './tables.js';

/** Whether the row (pipeline or workflow state) is visible: `all` sees the whole org. */
export function isVisible(
  v: Visibility,
  row: { orgId: string; ownerId: string; sharedUserIds: readonly string[]; sharedToOrg: boolean },
): boolean {
  return visibleUnder(v, row);
}

/** Run visibility: its pipeline is visible, or it has none and its workflow is, or a linked pipeline is. */
export function isRunVisible(
  v: Visibility,
  db: Reader,
  run: { orgId: string; pipelineId: string | null; workflowId: string; linkedPipelineIds: readonly string[] },
): boolean {
  if (run.orgId !== v.orgId) return false;
  if (v.all) return true;
  const pipelines = db.table('pipelines');
  const pipelineVisible = (id: string) => {
    const p = pipelines.get(id);
    return p !== undefined && isVisible(v, p);
  };
  if (run.pipelineId !== null) {
    if (pipelineVisible(run.pipelineId)) return true;
  } else {
    const wf = db.table('workflows').get(run.workflowId);
    if (wf && isVisible(v, wf)) return true;
  }
  return run.linkedPipelineIds.some(pipelineVisible);
}
