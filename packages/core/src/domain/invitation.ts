import { NotFoundError, ValidationError } from '../errors/domain-error.js';
import { ROLES, type Membership, type Role, type User } from './user.js';
import { Issues } from './validate.js';

export interface InvitationState {
  id: string;
  orgId: string;
  /** Who may accept it: the account with this email (lowercase), whether or not it exists yet. */
  email: string;
  role: Role;
  invitedBy: string;
  createdAt: Date;
  expiresAt: Date;
}

/** How long an invitation stays open. */
export const INVITATION_TTL_DAYS = 14;

const EMAIL_RE = /^[^\s@]+@[^\s@]+$/;

/**
 * An organization admin's offer of membership to whoever owns an email. Nothing changes for
 * the invitee until they accept; an accepted or declined invitation is gone.
 */
export class Invitation {
  private constructor(private state: InvitationState) {}

  static create(input: {
    id: string;
    orgId: string;
    email: string;
    role?: Role;
    invitedBy: string;
    now: Date;
  }): Invitation {
    const issues = new Issues();
    issues.text('email', input.email, { max: 254, required: true });
    if (typeof input.email === 'string' && !EMAIL_RE.test(input.email.trim()))
      issues.add('email', 'Enter a valid email address.');
    const role = input.role ?? 'member';
    if (!ROLES.includes(role)) issues.add('role', `Use one of ${ROLES.join(', ')}.`);
    issues.throwIfAny();
    return new Invitation({
      id: input.id,
      orgId: input.orgId,
      email: input.email.trim().toLowerCase(),
      role,
      invitedBy: input.invitedBy,
      createdAt: input.now,
      expiresAt: new Date(input.now.getTime() + INVITATION_TTL_DAYS * 86_400_000),
    });
  }

  static restore(state: InvitationState): Invitation {
    return new Invitation({ ...state });
  }

  get id(): string {
    return this.state.id;
  }
  get orgId(): string {
    return this.state.orgId;
  }
  get email(): string {
    return this.state.email;
  }
  get role(): Role {
    return this.state.role;
  }
  get invitedBy(): string {
    return this.state.invitedBy;
  }
  get createdAt(): Date {
    return this.state.createdAt;
  }
  get expiresAt(): Date {
    return this.state.expiresAt;
  }

  /** Whether `user` is the one invited and the invitation is still open. */
  isFor(user: User, now: Date): boolean {
    return user.email === this.state.email && now < this.state.expiresAt;
  }

  /** Inviting the same email again renews the invitation with the new role. */
  renew(role: Role, invitedBy: string, now: Date): void {
    if (!ROLES.includes(role)) throw ValidationError.field('role', `Use one of ${ROLES.join(', ')}.`);
    this.state = {
      ...this.state,
      role,
      invitedBy,
      createdAt: now,
      expiresAt: new Date(now.getTime() + INVITATION_TTL_DAYS * 86_400_000),
    };
  }

  /** The membership accepting creates; NotFound for anyone else (an invitation is never shown to others). */
  accept(user: User, now: Date): Membership {
    if (!this.isFor(user, now)) throw new NotFoundError('Invitation', this.state.id);
    return { orgId: this.state.orgId, userId: user.id, role: this.state.role, createdAt: now };
  }

  toState(): InvitationState {
    return { ...this.state };
  }
}
