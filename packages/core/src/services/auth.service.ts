import { NotFoundError, PermissionDeniedError, UnauthenticatedError, ValidationError } from '../errors/domain-error.js';
import type { Organization } from '../domain/organization.js';
import type { Role, User } from '../domain/user.js';
import type { KeyCredential } from '../ports/storage.js';
import { isUuid } from '../domain/validate.js';
import type { Actor } from '../policies/actor.js';
import type { CoreDeps } from './context.js';

export const PERSONAL_KEY_RE = /^api_[0-9A-Za-z]{43}$/;

/** Who a credential belongs to, before an organization is chosen. */
export type Principal =
  | { via: 'token'; userId: string }
  | { via: 'personal-key'; userId: string; keyId: string; orgId: string }
  | { via: 'pipeline-key'; keyId: string; orgId: string; pipelineId: string; issuedBy: string };

/** Longest life of an API token (ZenML's maximum: 7 days). */
export const API_TOKEN_MAX_TTL_SECONDS = 7 * 24 * 3600;

/**
 * What "tokens do not expire" (`tokenTtlSeconds: null`) signs: every token carries an expiry,
 * and a session ends earlier by its version (password change, deactivation, logout).
 */
export const UNLIMITED_TOKEN_TTL_SECONDS = 365 * 24 * 3600;

/** How a dialect names the organization a request is for. */
export type OrgSelector = { slug: string } | { seq: number } | { id: string };

/** Credentials: passwords, access tokens, personal and pipeline keys. */
export class AuthService {
  /** A valid scrypt hash of a random string, so unknown users cost as much time as known ones. */
  private decoyHash: Promise<string> | null = null;
  /**
   * What the key lookup read about a personal key's organization and its owner's role there,
   * so the request's actor needs no second and third read (one round trip per request).
   */
  private readonly bound = new WeakMap<Principal, { organization: Organization | null; role: Role | null }>();

  constructor(private readonly deps: CoreDeps) {}

  /** Checks an email and password; Unauthenticated on any mismatch (same message, same time). */
  async verifyPassword(email: string, password: string): Promise<User> {
    const user =
      typeof email === 'string' ? await this.deps.storage.users.findByEmail(email.trim().toLowerCase()) : null;
    if (!user || !user.passwordHash || !user.isActive) {
      this.decoyHash ??= this.deps.hasher.hashPassword(this.deps.ids.base62(16));
      await this.deps.hasher.verifyPassword(String(password), await this.decoyHash);
      throw new UnauthenticatedError('invalid username or password');
    }
    if (!(await this.deps.hasher.verifyPassword(String(password), user.passwordHash)))
      throw new UnauthenticatedError('invalid username or password');
    return user;
  }

  /** Password login → access token. */
  async login(email: string, password: string): Promise<{ user: User; accessToken: string; expiresIn: number | null }> {
    const user = await this.verifyPassword(email, password);
    return { user, ...(await this.signSession(user, this.deps.settings.tokenTtlSeconds)) };
  }

  /** Exchanges a personal API key for an access token (ZenML's API-key grant). */
  async loginWithKey(secret: string): Promise<{ user: User; accessToken: string; expiresIn: number | null }> {
    const principal = await this.authenticate(secret);
    if (principal.via !== 'personal-key') throw new UnauthenticatedError('API key is required.');
    const user = await this.deps.storage.users.findById(principal.userId);
    if (!user) throw new UnauthenticatedError();
    return { user, ...(await this.signSession(user, this.deps.settings.tokenTtlSeconds)) };
  }

  /** An access token for an active user, in their current session (the configured lifetime). */
  async issueToken(userId: string): Promise<{ accessToken: string; expiresIn: number | null }> {
    return this.signSession(await this.requireActiveUser(userId), this.deps.settings.tokenTtlSeconds);
  }

  /**
   * Ends every session of the caller's user (tokens and cookies, in every process): logout.
   * Personal keys are separate credentials and keep working. Nothing to end for a pipeline key.
   */
  async endSessions(principal: Principal): Promise<void> {
    if (principal.via === 'pipeline-key') return;
    await this.deps.storage.transaction(async (tx) => {
      const user = await tx.users.findById(principal.userId);
      if (!user) return;
      user.endSessions(this.deps.clock.now());
      await tx.users.update(user);
    });
  }

  private async signSession<T extends number | null>(
    user: User,
    ttl: T,
  ): Promise<{ accessToken: string; expiresIn: T }> {
    const accessToken = await this.deps.tokens.sign(
      { sub: user.id, ver: user.sessionVersion },
      ttl ?? UNLIMITED_TOKEN_TTL_SECONDS,
    );
    return { accessToken, expiresIn: ttl };
  }

  /**
   * A short-lived token for the caller (ZenML's API token), living `ttlSeconds`: from 1 s to
   * API_TOKEN_MAX_TTL_SECONDS.
   */
  async issueApiToken(principal: Principal, ttlSeconds: number): Promise<{ accessToken: string; expiresIn: number }> {
    if (principal.via === 'pipeline-key') throw new PermissionDeniedError();
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > API_TOKEN_MAX_TTL_SECONDS)
      throw ValidationError.field(
        'expires_in',
        `The token lifetime must be from 1 to ${API_TOKEN_MAX_TTL_SECONDS} seconds.`,
      );
    return this.signSession(await this.requireActiveUser(principal.userId), ttlSeconds);
  }

  /** Resolves a bearer credential; Unauthenticated when it is unknown, malformed, inactive or expired. */
  async authenticate(credential: string): Promise<Principal> {
    if (typeof credential !== 'string' || credential.length === 0 || credential.length > 4096)
      throw new UnauthenticatedError();
    const now = this.deps.clock.now();
    if (credential.startsWith('api_')) {
      if (!PERSONAL_KEY_RE.test(credential)) throw new UnauthenticatedError();
      const { key, ownerActive, organization, ownerRole } = await this.findUsableKey(credential, now);
      if (key.kind !== 'personal' || !ownerActive) throw new UnauthenticatedError();
      const principal: Principal = { via: 'personal-key', userId: key.targetId, keyId: key.id, orgId: key.orgId };
      this.bound.set(principal, { organization, role: ownerRole });
      return principal;
    }
    if (isUuid(credential)) {
      const { key } = await this.findUsableKey(credential, now);
      if (key.kind !== 'pipeline') throw new UnauthenticatedError();
      return {
        via: 'pipeline-key',
        keyId: key.id,
        orgId: key.orgId,
        pipelineId: key.targetId,
        issuedBy: key.createdBy,
      };
    }
    const claims = await this.deps.tokens.verify(credential);
    if (!claims) throw new UnauthenticatedError();
    // The user row is read anyway (is the user active?): its session version costs nothing more.
    const user = await this.deps.storage.users.findById(claims.sub);
    if (!user || !user.acceptsSession(claims.ver ?? 0)) throw new UnauthenticatedError();
    return { via: 'token', userId: claims.sub };
  }

  async findOrganization(selector: OrgSelector): Promise<Organization | null> {
    const orgs = this.deps.storage.organizations;
    if ('slug' in selector) return orgs.findBySlug(selector.slug);
    if ('seq' in selector) return orgs.findBySeq(selector.seq);
    return isUuid(selector.id) ? orgs.findById(selector.id) : null;
  }

  /**
   * The actor for a principal in an organization. PermissionDenied when the principal
   * is not a member, or its key is bound to another organization.
   */
  async actorIn(principal: Principal, org: Organization): Promise<Actor> {
    if (principal.via === 'pipeline-key') {
      if (principal.orgId !== org.id)
        throw new PermissionDeniedError({ entity: 'Organization', id: org.id, action: 'access' });
      return { kind: 'service', userId: principal.issuedBy, orgId: org.id, role: 'member' };
    }
    if (principal.via === 'personal-key' && principal.orgId !== org.id)
      throw new PermissionDeniedError({ entity: 'Organization', id: org.id, action: 'access' });
    const bound = this.bound.get(principal);
    if (bound) {
      if (!bound.role) throw new PermissionDeniedError({ entity: 'Organization', id: org.id, action: 'access' });
      return { kind: 'user', userId: principal.userId, orgId: org.id, role: bound.role };
    }
    const membership = await this.deps.storage.memberships.find(org.id, principal.userId);
    if (!membership) throw new PermissionDeniedError({ entity: 'Organization', id: org.id, action: 'access' });
    return { kind: 'user', userId: principal.userId, orgId: org.id, role: membership.role };
  }

  /** The actor for a principal in the organization a selector names; NotFound for an unknown org. */
  async actorFor(principal: Principal, selector: OrgSelector): Promise<Actor> {
    return (await this.enter(principal, selector)).actor;
  }

  /**
   * The organization a selector names and the principal's actor there: NotFound for an unknown
   * org, PermissionDenied for a non-member. A personal key's own org costs no further read.
   */
  async enter(principal: Principal, selector: OrgSelector): Promise<{ org: Organization; actor: Actor }> {
    const known = this.bound.get(principal)?.organization;
    const org = known && selects(selector, known) ? known : await this.findOrganization(selector);
    if (!org)
      throw new NotFoundError(
        'Organization',
        'slug' in selector ? selector.slug : 'seq' in selector ? selector.seq : selector.id,
      );
    return { org, actor: await this.actorIn(principal, org) };
  }

  /**
   * Every organization the principal may act in, with its actor there: a personal key's own
   * org (if still a member), a user's memberships oldest first (the first is their default
   * organization), none for a pipeline key.
   */
  async organizationsFor(principal: Principal): Promise<Array<{ org: Organization; actor: Actor }>> {
    if (principal.via === 'pipeline-key') return [];
    if (principal.via === 'personal-key') {
      try {
        return [await this.enter(principal, { id: principal.orgId })];
      } catch (e) {
        if (e instanceof PermissionDeniedError || e instanceof NotFoundError) return [];
        throw e;
      }
    }
    const memberships = await this.deps.storage.organizations.listForUser(principal.userId);
    return memberships.map(({ organization, role }) => ({
      org: organization,
      actor: { kind: 'user', userId: principal.userId, orgId: organization.id, role } satisfies Actor,
    }));
  }

  /**
   * The organization a principal acts in when a request names none, with its actor there: the
   * one a key is bound to, else the user's default organization (the first of
   * `organizationsFor`). `among` is how many the user could have meant (1 for a key), for a
   * dialect that refuses to guess. Null when the user belongs to no organization: each dialect
   * words that its own way. A key whose user left its organization is PermissionDenied.
   */
  async defaultActor(principal: Principal): Promise<{ org: Organization; actor: Actor; among: number } | null> {
    if (principal.via !== 'token') return { ...(await this.enter(principal, { id: principal.orgId })), among: 1 };
    const memberships = await this.deps.storage.organizations.listForUser(principal.userId);
    const first = memberships[0];
    if (!first) return null;
    const actor: Actor = { kind: 'user', userId: principal.userId, orgId: first.organization.id, role: first.role };
    return { org: first.organization, actor, among: memberships.length };
  }

  async currentUser(principal: Principal): Promise<User> {
    const id = principal.via === 'pipeline-key' ? principal.issuedBy : principal.userId;
    const user = await this.deps.storage.users.findById(id);
    if (!user) throw new UnauthenticatedError();
    return user;
  }

  private async findUsableKey(secret: string, now: Date): Promise<KeyCredential> {
    const found = await this.deps.storage.apiKeys.findCredential(this.deps.hasher.lookupHash(secret));
    const key = found?.key;
    if (!found || !key || !key.isUsable(now)) throw new UnauthenticatedError();
    // Recording use is best effort: never fail a request because of it.
    if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > 60_000)
      await this.deps.storage.apiKeys.touch(key.id, now).catch(() => undefined);
    return found;
  }

  private async requireActiveUser(userId: string): Promise<User> {
    const user = await this.deps.storage.users.findById(userId);
    if (!user || !user.isActive) throw new UnauthenticatedError();
    return user;
  }
}

function selects(selector: OrgSelector, org: Organization): boolean {
  if ('slug' in selector) return selector.slug === org.slug;
  if ('seq' in selector) return selector.seq === org.seq;
  return selector.id === org.id;
}
