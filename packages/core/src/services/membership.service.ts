import { NotFoundError, PermissionDeniedError, ValidationError } from '../errors/domain-error.js';
import { Invitation } from '../domain/invitation.js';
import type { Organization } from '../domain/organization.js';
import { ROLES, type Role, type User } from '../domain/user.js';
import type { Actor } from '../policies/actor.js';
import { assertOrgAdmin } from '../policies/resource.policy.js';
import type { Repositories } from '../ports/storage.js';
import type { Principal } from './auth.service.js';
import type { CoreDeps } from './context.js';

/** What adding a member did: a membership at once (already a member, or direct adds allowed), or an invitation. */
export type AddOutcome = { kind: 'member'; user: User; role: Role } | { kind: 'invitation'; invitation: Invitation };

/**
 * Who belongs to an organization, with consent: admins invite by email, the invitee accepts
 * or declines, members leave, admins remove members (their keys of that organization go too).
 */
export class MembershipService {
  constructor(private readonly deps: Pick<CoreDeps, 'storage' | 'clock' | 'ids' | 'settings'>) {}

  /**
   * Invites whoever owns `email` into the actor's organization (org admins). The answer is the
   * same whether or not the email has an account, so it reveals none; inviting again renews.
   */
  async invite(actor: Actor, input: { email: string; role?: Role }): Promise<Invitation> {
    assertOrgAdmin(actor);
    return this.deps.storage.transaction((tx) => this.inviteIn(tx, actor, input.email, input.role ?? 'member'));
  }

  /**
   * `POST …/members`: changes the role of someone already a member; anyone else is invited by
   * email (by id only when the operator allows direct adds, as ids are not shown to outsiders).
   * With `settings.directMembership` (a trusted install), an existing user is added at once.
   */
  async add(actor: Actor, input: { userId?: string; email?: string; role?: Role }): Promise<AddOutcome> {
    assertOrgAdmin(actor);
    const role = input.role ?? 'member';
    if (!ROLES.includes(role)) throw ValidationError.field('role', `Use one of ${ROLES.join(', ')}.`);
    const email = typeof input.email === 'string' ? input.email.trim().toLowerCase() : undefined;
    return this.deps.storage.transaction(async (tx): Promise<AddOutcome> => {
      const user = input.userId
        ? await tx.users.findById(input.userId)
        : email
          ? await tx.users.findByEmail(email)
          : null;
      const member = user ? await tx.memberships.find(actor.orgId, user.id) : null;
      if (user && (member || this.deps.settings.directMembership)) {
        if (member?.role === 'admin' && role !== 'admin') await this.assertNotLastAdmin(tx, actor.orgId, user.id);
        await tx.memberships.upsert({ orgId: actor.orgId, userId: user.id, role, createdAt: this.deps.clock.now() });
        return { kind: 'member', user, role };
      }
      if (!email) {
        if (input.userId && !user) throw new NotFoundError('User', input.userId);
        throw ValidationError.field('email', 'Invite by email: the user accepts the invitation to join.');
      }
      return { kind: 'invitation', invitation: await this.inviteIn(tx, actor, email, role) };
    });
  }

  /** The open invitations addressed to the caller's email, with their organizations. */
  async invitationsFor(principal: Principal): Promise<Array<{ invitation: Invitation; organization: Organization }>> {
    const user = await this.personOf(principal);
    const now = this.deps.clock.now();
    return this.deps.storage.transaction(async (tx) => {
      // Expired invitations are deleted, not only hidden, whenever someone looks at theirs.
      await tx.invitations.deleteExpired({ email: user.email }, now);
      const open = (await tx.invitations.listForEmail(user.email)).filter((i) => i.isFor(user, now));
      const out: Array<{ invitation: Invitation; organization: Organization }> = [];
      for (const invitation of open) {
        const organization = await tx.organizations.findById(invitation.orgId);
        if (organization) out.push({ invitation, organization });
      }
      return out;
    });
  }

  /** The invitee joins the organization with the invited role; NotFound for anyone else. */
  async accept(principal: Principal, invitationId: string): Promise<{ organization: Organization; role: Role }> {
    const user = await this.personOf(principal);
    return this.deps.storage.transaction(async (tx) => {
      const invitation = await this.invitationOf(tx, user, invitationId);
      const organization = await tx.organizations.findById(invitation.orgId);
      if (!organization) throw new NotFoundError('Invitation', invitationId);
      const existing = await tx.memberships.find(invitation.orgId, user.id);
      // Accepting never lowers a role the user already has there.
      const membership = invitation.accept(user, this.deps.clock.now());
      if (!existing || (existing.role === 'member' && membership.role === 'admin'))
        await tx.memberships.upsert(membership);
      await tx.invitations.delete(invitation.id);
      return { organization, role: existing?.role === 'admin' ? 'admin' : membership.role };
    });
  }

  /** The invitee declines; the invitation is gone. NotFound for anyone else. */
  async decline(principal: Principal, invitationId: string): Promise<void> {
    const user = await this.personOf(principal);
    await this.deps.storage.transaction(async (tx) => {
      const invitation = await this.invitationOf(tx, user, invitationId);
      await tx.invitations.delete(invitation.id);
    });
  }

  /** The caller leaves the actor's organization (their keys there are revoked); the last admin may not. */
  async leave(actor: Actor): Promise<void> {
    if (actor.kind === 'service') throw new PermissionDeniedError();
    await this.deps.storage.transaction((tx) => this.removeIn(tx, actor.orgId, actor.userId));
  }

  /**
   * An org admin removes a member: the membership and the member's personal keys of this
   * organization go in one transaction. Pipelines they own stay with the organization (its
   * admins own everything in it). NotFound for a non-member; the last admin cannot be removed.
   */
  async remove(actor: Actor, userId: string): Promise<void> {
    assertOrgAdmin(actor);
    await this.deps.storage.transaction(async (tx) => {
      if (!(await tx.memberships.find(actor.orgId, userId))) throw new NotFoundError('User', userId);
      await this.removeIn(tx, actor.orgId, userId);
    });
  }

  private async removeIn(tx: Repositories, orgId: string, userId: string): Promise<void> {
    const membership = await tx.memberships.find(orgId, userId);
    if (!membership) throw new NotFoundError('Organization', orgId);
    if (membership.role === 'admin') await this.assertNotLastAdmin(tx, orgId, userId);
    for (const key of await tx.apiKeys.listByTarget(orgId, 'personal', userId)) await tx.apiKeys.delete(key.id);
    await tx.memberships.remove(orgId, userId);
  }

  /** Locks the org's admin rows: two admins leaving at once cannot both be "not the last". */
  private async assertNotLastAdmin(tx: Repositories, orgId: string, userId: string): Promise<void> {
    const admins = await tx.memberships.listAdminsForUpdate(orgId);
    if (!admins.some((m) => m.userId !== userId))
      throw new ValidationError(
        'The last admin of an organization cannot leave it or be removed; make another member admin first.',
        'role',
      );
  }

  private async inviteIn(tx: Repositories, actor: Actor, email: string, role: Role): Promise<Invitation> {
    const now = this.deps.clock.now();
    // Expired invitations of this organization go whenever it invites someone.
    await tx.invitations.deleteExpired({ orgId: actor.orgId }, now);
    const fresh = Invitation.create({
      id: this.deps.ids.uuid(),
      orgId: actor.orgId,
      email,
      role,
      invitedBy: actor.userId,
      now,
    });
    const existing = await tx.invitations.findByEmail(actor.orgId, fresh.email);
    if (existing) {
      existing.renew(role, actor.userId, now);
      await tx.invitations.update(existing);
      return existing;
    }
    await tx.invitations.insert(fresh);
    return fresh;
  }

  private async invitationOf(tx: Repositories, user: User, id: string): Promise<Invitation> {
    const invitation = await tx.invitations.findById(id);
    if (!invitation || !invitation.isFor(user, this.deps.clock.now())) throw new NotFoundError('Invitation', id);
    return invitation;
  }

  /** The person behind a credential; pipeline keys act for a pipeline, not a person. */
  private async personOf(principal: Principal): Promise<User> {
    if (principal.via === 'pipeline-key') throw new PermissionDeniedError();
    const user = await this.deps.storage.users.findById(principal.userId);
    if (!user) throw new PermissionDeniedError();
    return user;
  }
}
