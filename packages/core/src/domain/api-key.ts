import { InvalidStateError, ValidationError } from '../errors/domain-error.js';
import { Issues } from './validate.js';

export const API_KEY_KINDS = ['personal', 'pipeline', 'deployment'] as const;
export type ApiKeyKind = (typeof API_KEY_KINDS)[number];

export interface ApiKeyState {
  id: string;
  orgId: string;
  kind: ApiKeyKind;
  /** The one target: a user (personal), a pipeline, or a deployment. */
  targetId: string;
  description: string | null;
  isActive: boolean;
  /** Lookup hash of the secret (the secret itself is never stored in plaintext). */
  secretHash: string;
  /** The secret sealed with the server secret, so its owner can see it again; null if not kept. */
  secretSealed: string | null;
  /** First characters of the secret, for display. */
  prefix: string;
  createdBy: string;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A credential bound to exactly one target. */
export class ApiKey {
  private constructor(private state: ApiKeyState) {}

  static create(input: {
    id: string;
    orgId: string;
    kind: ApiKeyKind;
    targets: { user?: string | null; pipeline?: string | null; deployment?: string | null };
    description?: string | null;
    isActive?: boolean;
    secretHash: string;
    secretSealed: string | null;
    prefix: string;
    createdBy: string;
    expiresAt?: Date | null;
    now: Date;
  }): ApiKey {
    const given = Object.entries(input.targets).filter(([, v]) => v !== null && v !== undefined && v !== '');
    if (given.length !== 1)
      throw new ValidationError('Exactly one of api or pipeline must be provided.', 'non_field_errors');
    const [targetKind, targetId] = given[0]! as [string, string];
    const expectedKind: ApiKeyKind = targetKind === 'user' ? 'personal' : (targetKind as ApiKeyKind);
    if (expectedKind !== input.kind)
      throw new ValidationError(`A ${input.kind} key needs a ${input.kind} target.`, 'non_field_errors');
    new Issues().text('description', input.description, { max: 255 }).throwIfAny();
    if (input.expiresAt && input.expiresAt <= input.now)
      throw ValidationError.field('expiresAt', 'Must be in the future.');
    return new ApiKey({
      id: input.id,
      orgId: input.orgId,
      kind: input.kind,
      targetId,
      description: input.description ?? null,
      isActive: input.isActive ?? true,
      secretHash: input.secretHash,
      secretSealed: input.secretSealed,
      prefix: input.prefix,
      createdBy: input.createdBy,
      lastUsedAt: null,
      expiresAt: input.expiresAt ?? null,
      createdAt: input.now,
      updatedAt: input.now,
    });
  }

  static restore(state: ApiKeyState): ApiKey {
    return new ApiKey({ ...state });
  }

  get id(): string {
    return this.state.id;
  }
  get orgId(): string {
    return this.state.orgId;
  }
  get kind(): ApiKeyKind {
    return this.state.kind;
  }
  get targetId(): string {
    return this.state.targetId;
  }
  get description(): string | null {
    return this.state.description;
  }
  get isActive(): boolean {
    return this.state.isActive;
  }
  get secretHash(): string {
    return this.state.secretHash;
  }
  get secretSealed(): string | null {
    return this.state.secretSealed;
  }
  get prefix(): string {
    return this.state.prefix;
  }
  get createdBy(): string {
    return this.state.createdBy;
  }
  get lastUsedAt(): Date | null {
    return this.state.lastUsedAt;
  }
  get expiresAt(): Date | null {
    return this.state.expiresAt;
  }
  get createdAt(): Date {
    return this.state.createdAt;
  }
  get updatedAt(): Date {
    return this.state.updatedAt;
  }

  /** Usable for authentication: active and not expired. */
  isUsable(now: Date): boolean {
    return this.state.isActive && (this.state.expiresAt === null || this.state.expiresAt > now);
  }

  activate(now: Date): void {
    this.state = { ...this.state, isActive: true, updatedAt: now };
  }

  revoke(now: Date): void {
    this.state = { ...this.state, isActive: false, updatedAt: now };
  }

  describe(description: string | null, now: Date): void {
    new Issues().text('description', description, { max: 255 }).throwIfAny();
    this.state = { ...this.state, description, updatedAt: now };
  }

  markUsed(now: Date): void {
    if (!this.isUsable(now)) throw new InvalidStateError('An inactive or expired key cannot be used.');
    this.state = { ...this.state, lastUsedAt: now };
  }

  toState(): ApiKeyState {
    return { ...this.state };
  }
}
