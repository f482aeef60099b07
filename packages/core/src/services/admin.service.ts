import { ConflictError, NotFoundError, PermissionDeniedError, ValidationError } from '../errors/domain-error.js';
import { Organization, type OrgMode } from '../domain/organization.js';
import { ROLES, User, type Role } from '../domain/user.js';
import type { Actor } from '../policies/actor.js';
import { assertOrgAdmin } from '../policies/resource.policy.js';
import type { Page, PageRequest } from '../ports/query.js';
import type { CoreDeps } from './context.js';

export interface NewUser {
  email: string;
  name?: string;
  password?: string | null;
  role?: Role;
}

const MIN_PASSWORD = 8;

/** Organizations, users, memberships and org mode: the native admin use cases. */
export class AdminService {
  constructor(private readonly deps: CoreDeps) {}

  /**
   * First start: when no user exists, creates the organization and its admin.
   * Returns null when the server was already bootstrapped.
   */
  async bootstrap(input: { orgSlug: string; email: string; password: string }): Promise<{ org: Organization; user: User } | null> {
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
      const user = User.create({ id: ids.uuid(), seq: await tx.users.nextSeq(), email: input.email, name: 'admin', passwordHash, now });
      await tx.users.insert(user);
      await tx.memberships.upsert({ orgId: org.id, userId: user.id, role: 'admin', createdAt: now });
      return { org, user };
    });
  }

  /** Creates an organization; its creator becomes its admin. Org admins (or a bootstrap call with no actor) only. */
  async createOrganization(actor: Actor | null, input: { slug: string; name?: string }): Promise<Organization> {
    if (actor) assertOrgAdmin(actor);
    const { storage, clock, ids } = this.deps;
    return storage.transaction(async (tx) => {
      const now = clock.now();
      const org = Organization.create({ id: ids.uuid(), seq: await tx.organizations.nextSeq(), slug: input.slug, name: input.name, now });
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
    if (!org || !(await this.deps.storage.memberships.find(org.id, actor.userId))) throw new NotFoundError('Organization', slug);
    return org;
  }

  /** Sets the actor's organization mode (normal, inspection, maintenance). Org admins only. */
  async setMode(actor: Actor, mode: OrgMode): Promise<Organization> {
    assertOrgAdmin(actor);
    return this.deps.storage.transaction(async (tx) => {
      const org = await tx.organizations.findById(actor.orgId);
      if (!org) throw new NotFoundError('Organization', actor.orgId);
      org.changeMode(mode, this.deps.clock.now());
      await tx.organizations.update(org);
      return org;
    });
  }

  /**
   * Sets an organization's own limit on runs executing at once (null: the operator's default).
   * Server admins only (admins of `settings.serverOrgSlug`): an org admin may read the limit
   * but not raise it, or one tenant could take every run slot again.
   */
  async setRunLimit(userId: string, slug: string, maxConcurrentRuns: number | null): Promise<Organization> {
    const { storage, settings, clock } = this.deps;
    const server = await storage.organizations.findBySlug(settings.serverOrgSlug);
    const membership = server ? await storage.memberships.find(server.id, userId) : null;
    if (membership?.role !== 'admin') throw new PermissionDeniedError();
    return storage.transaction(async (tx) => {
      const org = await tx.organizations.findBySlug(slug);
      if (!org) throw new NotFoundError('Organization', slug);
      org.limitConcurrentRuns(maxConcurrentRuns, clock.now());
      await tx.organizations.update(org);
      return org;
    });
  }

  /** Creates a user in the actor's organization (or adds an existing one by email). Org admins only. */
  async createUser(actor: Actor, input: NewUser): Promise<{ user: User; role: Role }> {
    assertOrgAdmin(actor);
    const role = input.role ?? 'member';
    if (!ROLES.includes(role)) throw ValidationError.field('role', `Use one of ${ROLES.join(', ')}.`);
    if (input.password !== undefined && input.password !== null) this.checkPassword(input.password);
    const passwordHash = input.password ? await this.deps.hasher.hashPassword(input.password) : null;
    const { storage, clock, ids } = this.deps;
    return storage.transaction(async (tx) => {
      const now = clock.now();
      const user = User.create({ id: ids.uuid(), seq: await tx.users.nextSeq(), email: input.email, name: input.name, passwordHash, now });
      if (await tx.users.findByEmail(user.email)) throw new ConflictError('user', 'email', user.email);
      await tx.users.insert(user);
      await tx.memberships.upsert({ orgId: actor.orgId, userId: user.id, role, createdAt: now });
      return { user, role };
    });
  }

  /** Adds an existing user (by id or email) to the actor's organization, or changes their role. */
  async addMember(actor: Actor, input: { userId?: string; email?: string; role?: Role }): Promise<{ user: User; role: Role }> {
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
    const withRoles = await this.deps.storage.users.findByIdsWithRole(actor.orgId, users.map((u) => u.id));
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
    if (typeof password !== 'string' || password.length < MIN_PASSWORD)
      throw ValidationError.field('password', `Use at least ${MIN_PASSWORD} characters.`, 'min_length');
    if (password.length > 1024) throw ValidationError.field('password', 'Use at most 1024 characters.', 'max_length');
  }
}
