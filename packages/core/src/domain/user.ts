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

  static create(input: { id: string; seq: number; email: string; name?: string; passwordHash: string | null; now: Date }): User {
    const issues = new Issues();
    if (!Number.isInteger(input.seq) || input.seq < 1 || input.seq > MAX_SEQ) issues.add('seq', 'Out of range.');
    issues.text('email', input.email, { max: 254, required: true });
    if (typeof input.email === 'string' && !EMAIL_RE.test(input.email.trim())) issues.add('email', 'Enter a valid email address.');
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
      createdAt: input.now,
      updatedAt: input.now,
    });
  }

  static restore(state: UserState): User {
    // Rows saved before profiles existed have neither field.
    return new User({ ...state, emailOptedIn: state.emailOptedIn ?? false, metadata: { ...(state.metadata ?? {}) } });
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

  /**
   * Changes what the user shows of themselves: display name, product-email consent, and
   * metadata, whose given keys are merged over the stored ones (a key set to null stays, as
   * ZenML stores it). Fields not given are kept.
   */
  updateProfile(changes: UserProfileChanges, now: Date): void {
    const issues = new Issues();
    if (changes.name !== undefined) issues.text('name', changes.name, { max: 255, required: true });
    if (changes.emailOptedIn !== undefined && typeof changes.emailOptedIn !== 'boolean') issues.add('emailOptedIn', 'Must be a boolean.');
    if (changes.metadata !== undefined && (changes.metadata === null || typeof changes.metadata !== 'object' || Array.isArray(changes.metadata)))
      issues.add('metadata', 'Must be an object.');
    else if (changes.metadata !== undefined && JSON.stringify(changes.metadata).length > USER_METADATA_MAX_CHARS)
      issues.add('metadata', `Must be at most ${USER_METADATA_MAX_CHARS} characters of JSON.`);
    issues.throwIfAny();
    const metadata = changes.metadata === undefined ? this.state.metadata : { ...this.state.metadata, ...changes.metadata };
    if (JSON.stringify(metadata).length > USER_METADATA_MAX_CHARS) throw ValidationError.field('metadata', `Must be at most ${USER_METADATA_MAX_CHARS} characters of JSON.`);
    this.state = {
      ...this.state,
      name: changes.name !== undefined ? changes.name.trim() : this.state.name,
      emailOptedIn: changes.emailOptedIn ?? this.state.emailOptedIn,
      metadata,
      updatedAt: now,
    };
  }

  changePassword(passwordHash: string, now: Date): void {
    this.state = { ...this.state, passwordHash, updatedAt: now };
  }

  deactivate(now: Date): void {
    this.state = { ...this.state, isActive: false, updatedAt: now };
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
