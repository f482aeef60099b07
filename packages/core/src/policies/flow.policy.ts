import type { Actor, Shareable } from './actor.js';
import { isOwner, isOwnerOrSharedUserOrSharedToOrg } from './resource.policy.js';

export const FLOW_PERMISSIONS = [
  'flow_pipeline:read',
  'flow_pipeline:write',
  'flow_pipeline:execute',
  'flow_pipeline:delete',
  'flow_pipeline:manage_pipelines',
] as const;
export type FlowPermission = (typeof FLOW_PERMISSIONS)[number];

export interface FlowAccess {
  permissions: FlowPermission[];
  isManager: boolean;
}

/**
 * Flow-style permissions, derived from the same rules (never stored):
 * owner / org admin / service → all five and manager; shared user → read + execute;
 * shared to org only → read; otherwise nothing.
 */
export function flowAccess(actor: Actor, pipeline: Shareable): FlowAccess {
  if (isOwner(actor, pipeline)) return { permissions: [...FLOW_PERMISSIONS], isManager: true };
  if (!isOwnerOrSharedUserOrSharedToOrg(actor, pipeline)) return { permissions: [], isManager: false };
  if (pipeline.sharedUserIds.includes(actor.userId))
    return { permissions: ['flow_pipeline:read', 'flow_pipeline:execute'], isManager: false };
  return { permissions: ['flow_pipeline:read'], isManager: false };
}

/** Who may run a pipeline: its owner or a user it is shared with (org-shared readers may not). */
export function canExecute(actor: Actor, pipeline: Shareable): boolean {
  return flowAccess(actor, pipeline).permissions.includes('flow_pipeline:execute');
}
