import { NotFoundError, PermissionDeniedError, ValidationError } from '../errors/domain-error.js';
import type { Organization } from '../domain/organization.js';
import type { User } from '../domain/user.js';
import type { Page, PageRequest } from '../ports/query.js';
import type { Principal } from './auth.service.js';
import type { CoreDeps } from './context.js';
import { isServerAdmin } from '../policies/server-admin.policy.js';
import { assertServerAdmin } from './server-admin.js';

/** Server-wide account administration: server admins only (an organization's admin manages only that organization). */
export class AccountService {
  constructor(private readonly deps: Pick<CoreDeps, 'storage' | 'clock'>) {}

  /**
   * Deactivates a user server-wide: they can no longer sign in, every token and cookie of theirs
   * stops at once in every process (their session version moves on), and so do their personal
   * keys (a key works only while its owner is active). Memberships and owned pipelines stay.
   */
  async deactivate(principal: Principal, userId: string): Promise<User> {
    const admin = await this.serverAdmin(principal);
    if (admin.id === userId) throw new ValidationError('You cannot deactivate yourself.', 'userId');
    return this.deps.storage.transaction(async (tx) => {
      const user = await tx.users.findById(userId);
      if (!user) throw new NotFoundError('User', userId);
      if (user.isActive) {
        user.deactivate(this.deps.clock.now());
        await tx.users.update(user);
      }
      return user;
    });
  }

  /**
   * Makes a user a server admin. `by` null: the operator on the machine (the CLI), who needs no
   * principal; otherwise a server admin.
   */
  async grantServerAdmin(by: Principal | null, userId: string): Promise<User> {
    if (by) await this.serverAdmin(by);
    return this.deps.storage.transaction(async (tx) => {
      const user = await tx.users.findById(userId);
      if (!user) throw new NotFoundError('User', userId);
      user.grantServerAdmin(this.deps.clock.now());
      await tx.users.update(user);
      return user;
    });
  }

  /**
   * Grants or revokes a user's server role (server admins only). Revoking it from the last
   * active server admin is refused: the server would have no operator left. The server admins'
   * rows are locked first, so two admins revoking each other at once cannot both succeed.
   */
  async setServerAdmin(principal: Principal, userId: string, serverAdmin: boolean): Promise<User> {
    await this.serverAdmin(principal);
    return this.deps.storage.transaction(async (tx) => {
      const admins = serverAdmin ? [] : await tx.users.listServerAdminsForUpdate();
      const user = await tx.users.findById(userId);
      if (!user) throw new NotFoundError('User', userId);
      const now = this.deps.clock.now();
      if (serverAdmin) user.grantServerAdmin(now);
      else {
        if (isServerAdmin(user) && !admins.some((a) => a.id !== user.id))
          throw new ValidationError(
            'The last server admin cannot lose the server role; make another user server admin first.',
            'serverAdmin',
          );
        user.revokeServerAdmin(now);
      }
      await tx.users.update(user);
      return user;
    });
  }

  /** Every organization of the server, by slug. */
  async allOrganizations(principal: Principal, page: PageRequest): Promise<Page<Organization>> {
    await this.serverAdmin(principal);
    return this.deps.storage.organizations.listAll(page);
  }

  private async serverAdmin(principal: Principal): Promise<User> {
    if (principal.via === 'pipeline-key') throw new PermissionDeniedError();
    return assertServerAdmin(this.deps, principal.userId);
  }
}
