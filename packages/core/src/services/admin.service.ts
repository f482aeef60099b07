import { ConflictError, NotFoundError, PermissionDeniedError, ValidationError } from '../errors/domain-error.js';
import { Organization, type OrgMode } from '../domain/organization.js';
import { ROLES, User, type Role, type UserProfileChanges } from '../domain/user.js';
import { checkNewPassword } from '../domain/password-policy.js';
import type { Actor } from '../policies/actor.js';
import { assertOrgAdmin } from '../policies/resource.policy.js';
import type { Page, PageRequest } from '../ports/query.js';
import type { CoreDeps } from './context.js';
import { cancelOpenRunsIn } from './open-runs.js';
import { isServerAdmin } from '../policies/server-admin.policy.js';
import { assertServerAdmin } from './server-admin.js';

export interface NewUser {
  email: string;
  name?: string;
  password?: string | null;
  role?: Role;
  /** Profile fields set with the account, in the same transaction (ZenML's create carries them). */
  profile?: UserProfileChanges;
}

/** Organizations, users, memberships and org mode: the native admin use cases. */
export class AdminService {
  constructor(private readonly deps: CoreDeps) {}

  /**
   * First start: when no user exists, creates the organization and its admin, who is also
   * the server admin. Returns null when the server was already bootstrapped.
   */
  async bootstrap(input: {
    orgSlug: string;
    email: string;
    password: string;
  }): Promise<{ org: Organization; user: User } | null> {
    const { storage, clock, ids } = this.deps;
    if ((await storage.users.count()) > 0) return null;
    this.checkPassword(input.password);
    const passwordHash = await this.deps.hasher.hashPassword(input.password);
    return storage.transaction(async (tx) => {
      if ((await tx.users.count()) > 0) return null;
      const now = clock.now();
      const org =
        (await tx.organizations.findBySlug(input.orgSlug)) ??
        Organization.create({ id: ids.uuid(), seq: await tx.organizations.nextSeq(), slug: input.orgSlug, now });
      if (!(await tx.organizations.findById(org.id))) await tx.organizations.insert(org);
      const user = User.create({
        id: ids.uuid(),
        seq: await tx.users.nextSeq(),
        email: input.email,
        name: 'admin',
        passwordHash,
        now,
      });
      user.grantServerAdmin(now);
      await tx.users.insert(user);
      await tx.memberships.upsert({ orgId: org.id, userId: user.id, role: 'admin', createdAt: now });
      return { org, user };
    });
  }

  /**
   * Creates an organization; its creator becomes its admin. Server admins (or a bootstrap call
   * with no actor) only: an organization's own admin manages that organization, not the server.
   */
  async createOrganization(actor: Actor | null, input: { slug: string; name?: string }): Promise<Organization> {
    if (actor) {
      if (actor.kind === 'service') throw new PermissionDeniedError();
      await assertServerAdmin(this.deps, actor.userId);
    }
    const { storage, clock, ids } = this.deps;
    return storage.transaction(async (tx) => {
      const now = clock.now();
      const org = Organization.create({
        id: ids.uuid(),
        seq: await tx.organizations.nextSeq(),
        slug: input.slug,
        name: input.name,
        now,
      });
      await tx.organizations.insert(org);
      if (actor) await tx.memberships.upsert({ orgId: org.id, userId: actor.userId, role: 'admin', createdAt: now });
      return org;
    });
  }

  /** The organizations the user belongs to, with the user's role. */
  async organizationsOf(userId: string) {
    return this.deps.storage.organizations.listForUser(userId);
  }

  async organizationBySlug(actor: Actor, slug: string): Promise<Organization> {
    const org = await this.deps.storage.organizations.findBySlug(slug);
    if (!org || !(await this.deps.storage.memberships.find(org.id, actor.userId)))
      throw new NotFoundError('Organization', slug);
    return org;
  }

  /**
   * Sets the actor's organization mode (normal, inspection, maintenance). Org admins only.
   * With `cancelOpenRuns`, a mode that allows no runs also cancels the runs not yet finished,
   * in the same transaction; the executor is told after it commits.
   */
  async setMode(actor: Actor, mode: OrgMode, options: { cancelOpenRuns?: boolean } = {}): Promise<Organization> {
    assertOrgAdmin(actor);
    const { org, cancelled } = await this.deps.storage.transaction(async (tx) => {
      const org = await tx.organizations.findById(actor.orgId);
      if (!org) throw new NotFoundError('Organization', actor.orgId);
      const now = this.deps.clock.now();
      org.changeMode(mode, now);
      await tx.organizations.update(org);
      const cancelled =
        options.cancelOpenRuns && mode !== 'normal' ? await cancelOpenRunsIn(tx, org.id, actor.userId, now) : [];
      return { org, cancelled };
    });
    for (const runId of cancelled) await this.deps.executor.cancel(runId);
    return org;
  }

  /**
   * Sets an organization's own limit on runs executing at once (null: the operator's default).
   * Server admins only: an org admin may read the limit but not raise it, or one tenant could
   * take every run slot again.
   */
  async setRunLimit(userId: string, slug: string, maxConcurrentRuns: number | null): Promise<Organization> {
    const { storage, clock } = this.deps;
    await assertServerAdmin(this.deps, userId);
    return storage.transaction(async (tx) => {
      const org = await tx.organizations.findBySlug(slug);
      if (!org) throw new NotFoundError('Organization', slug);
      org.limitConcurrentRuns(maxConcurrentRuns, clock.now());
      await tx.organizations.update(org);
      return org;
    });
  }

  /**
   * Creates an account (with the actor's organization as its first). Server admins only: they
   * see every account, so a 409 for a taken email tells them nothing new. An organization
   * admin invites by email instead (MembershipService.invite), whose answer never reveals
   * whether the email has an account elsewhere; refusing them before any lookup keeps this
   * route from doing so either. Pipeline keys never create accounts.
   */
  async createUser(actor: Actor, input: NewUser): Promise<{ user: User; role: Role }> {
    if (actor.kind === 'service')
      throw new PermissionDeniedError(
        'Creating accounts is for server admins; invite by email to add someone to an organization.',
      );
    const by = await this.deps.storage.users.findById(actor.userId);
    if (!isServerAdmin(by))
      throw new PermissionDeniedError(
        'Creating accounts is for server admins; invite by email to add someone to an organization.',
      );
    return this.insertUser(actor.orgId, input);
  }

  /** The operator on the machine (the CLI, scripts holding the database): creates an account in `orgId`, no principal needed. */
  async createUserAsOperator(orgId: string, input: NewUser): Promise<{ user: User; role: Role }> {
    return this.insertUser(orgId, input);
  }

  private async insertUser(orgId: string, input: NewUser): Promise<{ user: User; role: Role }> {
    const role = input.role ?? 'member';
    if (!ROLES.includes(role)) throw ValidationError.field('role', `Use one of ${ROLES.join(', ')}.`);
    if (input.password !== undefined && input.password !== null) this.checkPassword(input.password);
    const passwordHash = input.password ? await this.deps.hasher.hashPassword(input.password) : null;
    const { storage, clock, ids } = this.deps;
    return storage.transaction(async (tx) => {
      const now = clock.now();
      const user = User.create({
        id: ids.uuid(),
        seq: await tx.users.nextSeq(),
        email: input.email,
        name: input.name,
        passwordHash,
        now,
      });
      if (await tx.users.findByEmail(user.email)) throw new ConflictError('user', 'email', user.email);
      if (input.profile && Object.keys(input.profile).length) user.updateProfile(input.profile, now);
      await tx.users.insert(user);
      await tx.memberships.upsert({ orgId, userId: user.id, role, createdAt: now });
      return { user, role };
    });
  }

  /**
   * Adds an existing user (by id or email) to the actor's organization at once, or changes a
   * member's role. Without consent: the membership routes invite instead unless the operator
   * set `directMembership` (see MembershipService.add).
   */
  async addMember(
    actor: Actor,
    input: { userId?: string; email?: string; role?: Role },
  ): Promise<{ user: User; role: Role }> {
    assertOrgAdmin(actor);
    const role = input.role ?? 'member';
    if (!ROLES.includes(role)) throw ValidationError.field('role', `Use one of ${ROLES.join(', ')}.`);
    const { storage } = this.deps;
    const user = input.userId
      ? await storage.users.findById(input.userId)
      : input.email
        ? await storage.users.findByEmail(input.email.trim().toLowerCase())
        : null;
    if (!user) throw new NotFoundError('User', input.userId ?? input.email);
    await storage.memberships.upsert({ orgId: actor.orgId, userId: user.id, role, createdAt: this.deps.clock.now() });
    return { user, role };
  }

  async listUsers(actor: Actor, page: PageRequest): Promise<Page<{ user: User; role: Role }>> {
    return this.deps.storage.users.listByOrg(actor.orgId, page);
  }

  /** A user of the actor's organization, by id. */
  async getUser(actor: Actor, userId: string): Promise<{ user: User; role: Role }> {
    const m = await this.deps.storage.memberships.find(actor.orgId, userId);
    const user = m ? await this.deps.storage.users.findById(userId) : null;
    if (!m || !user) throw new NotFoundError('User', userId);
    return { user, role: m.role };
  }

  /**
   * Users by id in one query (the owners of a page of rows the actor can see, for their
   * emails); unknown ids are skipped.
   */
  async usersByIds(_actor: Actor, userIds: readonly string[]): Promise<User[]> {
    const ids = [...new Set(userIds)];
    return ids.length ? this.deps.storage.users.findByIds(ids) : [];
  }

  /** Members of the actor's organization by int id (`seq`), skipping unknown ids and non-members. */
  async membersBySeq(actor: Actor, seqs: readonly number[]): Promise<User[]> {
    const users = seqs.length ? await this.deps.storage.users.findBySeqs(seqs) : [];
    if (!users.length) return [];
    const withRoles = await this.deps.storage.users.findByIdsWithRole(
      actor.orgId,
      users.map((u) => u.id),
    );
    return withRoles.filter(({ role }) => role !== null).map(({ user }) => user);
  }

  /**
   * Users by id with their role in the actor's organization (null: not a member), in one
   * query; unknown ids are skipped.
   */
  async usersWithRoles(actor: Actor, userIds: readonly string[]): Promise<Array<{ user: User; role: Role | null }>> {
    const ids = [...new Set(userIds)];
    return ids.length ? this.deps.storage.users.findByIdsWithRole(actor.orgId, ids) : [];
  }

  /** A member of the actor's organization, by email. */
  async getUserByEmail(actor: Actor, email: string): Promise<{ user: User; role: Role }> {
    const user = await this.deps.storage.users.findByEmail(String(email).trim().toLowerCase());
    if (!user) throw new NotFoundError('User', email);
    return this.getUser(actor, user.id);
  }

  async changePassword(actor: Actor, userId: string, password: string): Promise<void> {
    if (actor.userId !== userId) throw new PermissionDeniedError();
    this.checkPassword(password);
    const hash = await this.deps.hasher.hashPassword(password);
    await this.deps.storage.transaction(async (tx) => {
      const user = await tx.users.findById(userId);
      if (!user) throw new NotFoundError('User', userId);
      user.changePassword(hash, this.deps.clock.now());
      await tx.users.update(user);
    });
  }

  private checkPassword(password: unknown): void {
    checkNewPassword(password, this.deps.passwords);
  }
}
