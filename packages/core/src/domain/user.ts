import { ValidationError } from '../errors/domain-error.js';
import { Issues, MAX_SEQ } from './validate.js';

export interface UserState {
  id: string;
  /** Int id for dialects whose user ids are integers (Unstract), unique, ≤ 2^31-1. */
  seq: number;
  email: string;
  name: string;
  /** scrypt hash (via the SecretHasher port); null for users who only use keys. */
  passwordHash: string | null;
  isActive: boolean;
  /** Whether the user agreed to product emails (ZenML's `email_opted_in`). */
  emailOptedIn: boolean;
  /** Free-form settings a client keeps on the user (ZenML's `user_metadata`, e.g. its onboarding survey). */
  metadata: Record<string, unknown>;
  /** Operator of the whole server (workers, every organization, deactivations), apart from any org role. */
  isServerAdmin: boolean;
  /**
   * Carried in every access token and session cookie; a token whose version differs is refused.
   * Bumped to end every session at once (password change, deactivation, logout).
   */
  sessionVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+$/;

/** A bound on what a client may keep on a user (the merged metadata, as JSON). */
export const USER_METADATA_MAX_CHARS = 64 * 1024;

export interface UserProfileChanges {
  name?: string;
  emailOptedIn?: boolean;
  metadata?: Record<string, unknown>;
}

export class User {
  private constructor(private state: UserState) {}

  static create(input: {
    id: string;
    seq: number;
    email: string;
    name?: string;
    passwordHash: string | null;
    now: Date;
  }): User {
    const issues = new Issues();
    if (!Number.isInteger(input.seq) || input.seq < 1 || input.seq > MAX_SEQ) issues.add('seq', 'Out of range.');
    issues.text('email', input.email, { max: 254, required: true });
    if (typeof input.email === 'string' && !EMAIL_RE.test(input.email.trim()))
      issues.add('email', 'Enter a valid email address.');
    issues.text('name', input.name, { max: 255 });
    issues.throwIfAny();
    const email = input.email.trim().toLowerCase();
    return new User({
      id: input.id,
      seq: input.seq,
      email,
      name: input.name?.trim() || email.split('@')[0]!,
      passwordHash: input.passwordHash,
      isActive: true,
      emailOptedIn: false,
      metadata: {},
      isServerAdmin: false,
      sessionVersion: 0,
      createdAt: input.now,
      updatedAt: input.now,
    });
  }

  static restore(state: UserState): User {
    // Rows saved before profiles, server roles or sessions existed lack those fields.
    return new User({
      ...state,
      emailOptedIn: state.emailOptedIn ?? false,
      metadata: { ...(state.metadata ?? {}) },
      isServerAdmin: state.isServerAdmin ?? false,
      sessionVersion: state.sessionVersion ?? 0,
    });
  }

  get id(): string {
    return this.state.id;
  }
  get seq(): number {
    return this.state.seq;
  }
  get email(): string {
    return this.state.email;
  }
  get name(): string {
    return this.state.name;
  }
  get passwordHash(): string | null {
    return this.state.passwordHash;
  }
  get isActive(): boolean {
    return this.state.isActive;
  }
  get emailOptedIn(): boolean {
    return this.state.emailOptedIn;
  }
  get metadata(): Readonly<Record<string, unknown>> {
    return this.state.metadata;
  }
  get isServerAdmin(): boolean {
    return this.state.isServerAdmin;
  }
  get sessionVersion(): number {
    return this.state.sessionVersion;
  }
  get createdAt(): Date {
    return this.state.createdAt;
  }
  get updatedAt(): Date {
    return this.state.updatedAt;
  }

  /**
   * Changes what the user shows of themselves: display name, product-email consent, and
   * metadata, whose given keys are merged over the stored ones (a key set to null stays, as
   * ZenML stores it). Fields not given are kept.
   */
  updateProfile(changes: UserProfileChanges, now: Date): void {
    const issues = new Issues();
    if (changes.name !== undefined) issues.text('name', changes.name, { max: 255, required: true });
    if (changes.emailOptedIn !== undefined && typeof changes.emailOptedIn !== 'boolean')
      issues.add('emailOptedIn', 'Must be a boolean.');
    if (
      changes.metadata !== undefined &&
      (changes.metadata === null || typeof changes.metadata !== 'object' || Array.isArray(changes.metadata))
    )
      issues.add('metadata', 'Must be an object.');
    else if (changes.metadata !== undefined && JSON.stringify(changes.metadata).length > USER_METADATA_MAX_CHARS)
      issues.add('metadata', `Must be at most ${USER_METADATA_MAX_CHARS} characters of JSON.`);
    issues.throwIfAny();
    const metadata =
      changes.metadata === undefined ? this.state.metadata : { ...this.state.metadata, ...changes.metadata };
    if (JSON.stringify(metadata).length > USER_METADATA_MAX_CHARS)
      throw ValidationError.field('metadata', `Must be at most ${USER_METADATA_MAX_CHARS} characters of JSON.`);
    this.state = {
      ...this.state,
      name: changes.name !== undefined ? changes.name.trim() : this.state.name,
      emailOptedIn: changes.emailOptedIn ?? this.state.emailOptedIn,
      metadata,
      updatedAt: now,
    };
  }

  /** A new password ends every session signed in with the old one. */
  changePassword(passwordHash: string, now: Date): void {
    this.state = { ...this.state, passwordHash, sessionVersion: this.state.sessionVersion + 1, updatedAt: now };
  }

  /** Ends every session (tokens and cookies) of the user at once, in every process. */
  endSessions(now: Date): void {
    this.state = { ...this.state, sessionVersion: this.state.sessionVersion + 1, updatedAt: now };
  }

  /** The user can no longer sign in; their sessions end and their keys stop (keys check the owner is active). */
  deactivate(now: Date): void {
    this.state = { ...this.state, isActive: false, sessionVersion: this.state.sessionVersion + 1, updatedAt: now };
  }

  /** Makes the user an operator of the whole server (the bootstrap admin, or granted by another server admin). */
  grantServerAdmin(now: Date): void {
    if (this.state.isServerAdmin) return;
    this.state = { ...this.state, isServerAdmin: true, updatedAt: now };
  }

  /**
   * The user stops operating the server (keeps their organization roles). Whether another
   * server admin remains is the caller's check: it needs the other users' rows.
   */
  revokeServerAdmin(now: Date): void {
    if (!this.state.isServerAdmin) return;
    this.state = { ...this.state, isServerAdmin: false, updatedAt: now };
  }

  /** Whether a token carrying `version` still belongs to a live session of this user. */
  acceptsSession(version: number): boolean {
    return this.state.isActive && version === this.state.sessionVersion;
  }

  toState(): UserState {
    return { ...this.state, metadata: { ...this.state.metadata } };
  }
}

export const ROLES = ['admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

/** A user's role in one organization. Org admins count as owners of everything in it. */
export interface Membership {
  orgId: string;
  userId: string;
  role: Role;
  createdAt: Date;
}
