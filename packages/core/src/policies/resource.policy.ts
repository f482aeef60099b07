import { NotFoundError, PermissionDeniedError } from '../errors/domain-error.js';
import type { Actor, Shareable } from './actor.js';

/** The owner, an org admin, or a service principal of the same org. */
export function isOwner(actor: Actor, resource: Shareable): boolean {
  if (actor.orgId !== resource.orgId) return false;
  return actor.kind === 'service' || actor.role === 'admin' || actor.userId === resource.ownerId;
}

/** isOwner, or a user the resource is shared with, or anyone in the org when it is shared to the org. */
export function isOwnerOrSharedUserOrSharedToOrg(actor: Actor, resource: Shareable): boolean {
  if (isOwner(actor, resource)) return true;
  if (actor.orgId !== resource.orgId) return false;
  return resource.sharedToOrg || resource.sharedUserIds.includes(actor.userId);
}

/** Throws NotFound (naming `id`, the one asked for, when given) when the actor may not see the resource. */
export function assertCanSee<T extends Shareable>(
  actor: Actor,
  resource: T | null,
  entity: string,
  id?: string | number,
): T {
  if (!resource || !isOwnerOrSharedUserOrSharedToOrg(actor, resource)) throw new NotFoundError(entity, id);
  return resource;
}

/** NotFound when the actor may not see it, PermissionDenied when it may see but not change it. */
export function assertCanChange<T extends Shareable>(actor: Actor, resource: T | null, entity: string): T {
  assertCanSee(actor, resource, entity);
  if (!isOwner(actor, resource!)) throw new PermissionDeniedError();
  return resource!;
}

/** Org-level administration (org mode, members, keys of others). */
export function assertOrgAdmin(actor: Actor): void {
  if (actor.kind !== 'service' && actor.role !== 'admin') throw new PermissionDeniedError();
}

/**
 * The visibility rule in a form adapters push down to SQL: everything in the org for
 * owners-of-all (admins, services), else owned, shared, or shared-to-org rows.
 */
export interface Visibility {
  orgId: string;
  userId: string;
  all: boolean;
}

export function visibilityFor(actor: Actor): Visibility {
  return { orgId: actor.orgId, userId: actor.userId, all: actor.kind === 'service' || actor.role === 'admin' };
}

/** The same rule as `isOwnerOrSharedUserOrSharedToOrg`, for a Visibility (used by in-memory adapters). */
export function visibleUnder(v: Visibility, resource: Shareable): boolean {
  if (resource.orgId !== v.orgId) return false;
  return v.all || resource.ownerId === v.userId || resource.sharedToOrg || resource.sharedUserIds.includes(v.userId);
}
