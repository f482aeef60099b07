import { ValidationError } from '../errors/domain-error.js';
import type { User } from '../domain/user.js';
import type { Repositories } from '../ports/storage.js';

/** Sharing targets must be members of the resource's organization. */
export async function assertMembers(tx: Repositories, orgId: string, userIds: readonly string[]): Promise<void> {
  for (const userId of new Set(userIds)) {
    if (typeof userId !== 'string' || !(await tx.memberships.find(orgId, userId)))
      throw ValidationError.field('sharedUserIds', `User ${String(userId)} is not a member of this organization.`);
  }
}

/** The owner and the users a resource is shared with, in one query. */
export async function sharingOf(
  tx: Repositories,
  resource: { ownerId: string; sharedUserIds: readonly string[]; sharedToOrg: boolean },
): Promise<{ owner: User | null; sharedUsers: User[]; sharedToOrg: boolean }> {
  const users = await tx.users.findByIds([resource.ownerId, ...resource.sharedUserIds]);
  const byId = new Map(users.map((u) => [u.id, u]));
  return {
    owner: byId.get(resource.ownerId) ?? null,
    sharedUsers: resource.sharedUserIds.map((id) => byId.get(id)).filter((u): u is User => !!u),
    sharedToOrg: resource.sharedToOrg,
  };
}

/** A change of who a resource is shared with; a part not given keeps its current value. */
export interface SharingChange {
  userIds?: string[];
  toOrg?: boolean;
}

/** Applies a sharing change to a loaded resource inside the caller's transaction; users must be org members. */
export async function applySharing(
  tx: Repositories,
  resource: {
    orgId: string;
    sharedUserIds: readonly string[];
    sharedToOrg: boolean;
    share(userIds: readonly string[], toOrg: boolean, by: string, now: Date): void;
  },
  change: SharingChange,
  by: string,
  now: Date,
): Promise<void> {
  const userIds = change.userIds ?? [...resource.sharedUserIds];
  await assertMembers(tx, resource.orgId, userIds);
  resource.share(userIds, change.toOrg ?? resource.sharedToOrg, by, now);
}
