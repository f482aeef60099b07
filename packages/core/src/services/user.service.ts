import { ROLES, type Role, type User, type UserProfileChanges } from '../domain/user.js';
import { NotFoundError, PermissionDeniedError, UnauthenticatedError, ValidationError } from '../errors/domain-error.js';
import type { Actor } from '../policies/actor.js';
import { assertOrgAdmin } from '../policies/resource.policy.js';
import type { Page } from '../ports/query.js';
import { USER_FIELDS, USER_SORTS, type UserQuery } from '../ports/storage.js';
import type { Principal } from './auth.service.js';
import type { CoreDeps } from './context.js';
import { checkQuery } from './query-check.js';

/** Users as members see them: the member list, and profiles (display name, product-email consent, client metadata). */
export class UserService {
  constructor(private readonly deps: CoreDeps) {}

  /** The members of the actor's organization matching the query (pushed down to storage). */
  async listMembers(actor: Actor, query: UserQuery): Promise<Page<{ user: User; role: Role }>> {
    return this.deps.storage.users.queryMembers(actor.orgId, checkQuery(query, USER_FIELDS, USER_SORTS));
  }

  /** The caller changes their own profile (no organization needed: a new user has none yet). */
  async updateOwn(principal: Principal, changes: UserProfileChanges): Promise<User> {
    // A pipeline key acts for a pipeline, not as a person with a profile.
    if (principal.via === 'pipeline-key') throw new PermissionDeniedError();
    return this.save(principal.userId, changes, () => new UnauthenticatedError());
  }

  /** Changes a member's profile: the user themselves, or an admin of the actor's organization. */
  async update(actor: Actor, userId: string, changes: UserProfileChanges): Promise<User> {
    if (actor.userId !== userId) {
      if (!(await this.deps.storage.memberships.find(actor.orgId, userId))) throw new NotFoundError('User', userId);
      assertOrgAdmin(actor);
    }
    return this.save(userId, changes, () => new NotFoundError('User', userId));
  }

  /**
   * Changes a member of the actor's organization in one transaction: their profile, and their
   * role when `role` is given (organization admins; members change only their own profile).
   */
  async updateMember(
    actor: Actor,
    userId: string,
    changes: UserProfileChanges,
    role?: Role,
  ): Promise<{ user: User; role: Role }> {
    if (role !== undefined && !ROLES.includes(role))
      throw ValidationError.field('role', `Use one of ${ROLES.join(', ')}.`);
    return this.deps.storage.transaction(async (tx) => {
      const membership = await tx.memberships.find(actor.orgId, userId);
      if (!membership) throw new NotFoundError('User', userId);
      if (actor.userId !== userId || (role !== undefined && role !== membership.role)) assertOrgAdmin(actor);
      const user = await tx.users.findById(userId);
      if (!user) throw new NotFoundError('User', userId);
      const now = this.deps.clock.now();
      user.updateProfile(changes, now);
      await tx.users.update(user);
      if (role !== undefined && role !== membership.role) await tx.memberships.upsert({ ...membership, role });
      return { user, role: role ?? membership.role };
    });
  }

  private save(userId: string, changes: UserProfileChanges, missing: () => Error): Promise<User> {
    return this.deps.storage.transaction(async (tx) => {
      const user = await tx.users.findById(userId);
      if (!user) throw missing();
      user.updateProfile(changes, this.deps.clock.now());
      await tx.users.update(user);
      return user;
    });
  }
}
