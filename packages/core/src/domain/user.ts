import { Issues } from './validate.js';

export interface UserState {
  id: string;
  email: string;
  name: string;
  /** scrypt hash (via the SecretHasher port); null for users who only use keys. */
  passwordHash: string | null;
  isActive: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+$/;

export class User {
  private constructor(private state: UserState) {}

  static create(input: { id: string; email: string; name?: string; passwordHash: string | null; now: Date }): User {
    const issues = new Issues();
    issues.text('email', input.email, { max: 254, required: true });
    if (typeof input.email === 'string' && !EMAIL_RE.test(input.email.trim())) issues.add('email', 'Enter a valid email address.');
    issues.text('name', input.name, { max: 255 });
    issues.throwIfAny();
    const email = input.email.trim().toLowerCase();
    return new User({
      id: input.id,
      email,
      name: input.name?.trim() || email.split('@')[0]!,
      passwordHash: input.passwordHash,
      isActive: true,
      createdAt: input.now,
      updatedAt: input.now,
    });
  }

  static restore(state: UserState): User {
    return new User({ ...state });
  }

  get id(): string {
    return this.state.id;
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

  changePassword(passwordHash: string, now: Date): void {
    this.state = { ...this.state, passwordHash, updatedAt: now };
  }

  deactivate(now: Date): void {
    this.state = { ...this.state, isActive: false, updatedAt: now };
  }

  toState(): UserState {
    return { ...this.state };
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
