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
  createdAt: Date;
  updatedAt: Date;
}

const SLUG_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;

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
      createdAt: input.now,
      updatedAt: input.now,
    });
  }

  static restore(state: OrganizationState): Organization {
    return new Organization({ ...state });
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

  changeMode(mode: OrgMode, now: Date): void {
    if (!ORG_MODES.includes(mode)) throw ValidationError.field('mode', `Mode must be one of ${ORG_MODES.join(', ')}.`);
    if (mode === this.state.mode) return;
    this.state = { ...this.state, mode, updatedAt: now };
  }

  /** Throws unless runs may start now. */
  assertRunsAllowed(): void {
    if (this.state.mode !== 'normal') throw new OrgNotNormalError(this.state.mode);
  }

  toState(): OrganizationState {
    return { ...this.state };
  }
}
