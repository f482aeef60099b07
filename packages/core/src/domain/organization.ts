import { OrgNotNormalError, ValidationError } from '../errors/domain-error.js';
import { Issues } from './validate.js';

export const ORG_MODES = ['normal', 'inspection', 'maintenance'] as const;
export type OrgMode = (typeof ORG_MODES)[number];

export interface OrganizationState {
  id: string;
  slug: string;
  /** Small integer id (Meergo's workspace id). */
  seq: number;
  name: string;
  mode: OrgMode;
  /**
   * Runs of this organization executing at once, at most; null: the operator's default
   * (engine option `organizationConcurrency`). Set by a server admin.
   */
  maxConcurrentRuns: number | null;
  createdAt: Date;
  updatedAt: Date;
}

const SLUG_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Highest per-organization limit on concurrent runs (a process never runs more than its own concurrency anyway). */
export const MAX_CONCURRENT_RUNS_LIMIT = 10_000;

/** A tenant. Runs are allowed only while it is in `normal` mode. */
export class Organization {
  private constructor(private state: OrganizationState) {}

  static create(input: { id: string; seq: number; slug: string; name?: string; now: Date }): Organization {
    const issues = new Issues();
    if (typeof input.slug !== 'string' || !SLUG_RE.test(input.slug))
      issues.add('slug', 'Use 1-63 lowercase letters, digits, "-" or "_", starting with a letter or digit.');
    issues.text('name', input.name, { max: 255 });
    issues.throwIfAny();
    return new Organization({
      id: input.id,
      seq: input.seq,
      slug: input.slug,
      name: input.name?.trim() || input.slug,
      mode: 'normal',
      maxConcurrentRuns: null,
      createdAt: input.now,
      updatedAt: input.now,
    });
  }

  static restore(state: OrganizationState): Organization {
    // Rows saved before the limit existed have none.
    return new Organization({ ...state, maxConcurrentRuns: state.maxConcurrentRuns ?? null });
  }

  get id(): string {
    return this.state.id;
  }
  get slug(): string {
    return this.state.slug;
  }
  get seq(): number {
    return this.state.seq;
  }
  get name(): string {
    return this.state.name;
  }
  get mode(): OrgMode {
    return this.state.mode;
  }
  /** Its own limit on runs executing at once, or null for the operator's default. */
  get maxConcurrentRuns(): number | null {
    return this.state.maxConcurrentRuns;
  }
  get createdAt(): Date {
    return this.state.createdAt;
  }
  get updatedAt(): Date {
    return this.state.updatedAt;
  }

  changeMode(mode: OrgMode, now: Date): void {
    if (!ORG_MODES.includes(mode)) throw ValidationError.field('mode', `Mode must be one of ${ORG_MODES.join(', ')}.`);
    if (mode === this.state.mode) return;
    this.state = { ...this.state, mode, updatedAt: now };
  }

  /** Sets its own limit on runs executing at once (an integer ≥ 1), or null for the operator's default. */
  limitConcurrentRuns(limit: number | null, now: Date): void {
    if (limit !== null && (!Number.isInteger(limit) || limit < 1 || limit > MAX_CONCURRENT_RUNS_LIMIT))
      throw ValidationError.field(
        'maxConcurrentRuns',
        `Must be null or an integer from 1 to ${MAX_CONCURRENT_RUNS_LIMIT}.`,
      );
    if (limit === this.state.maxConcurrentRuns) return;
    this.state = { ...this.state, maxConcurrentRuns: limit, updatedAt: now };
  }

  /** Throws unless runs may start now. */
  assertRunsAllowed(): void {
    if (this.state.mode !== 'normal') throw new OrgNotNormalError(this.state.mode);
  }

  toState(): OrganizationState {
    return { ...this.state };
  }
}
