import { Issues } from './validate.js';

/** What a masked secret reads as in every view; sent back unchanged, it keeps the secret. */
export const SECRET_MASK = '********';
export const CONNECTION_NAME_MAX = 128;
const KIND_RE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

export interface ConnectionState {
  id: string;
  orgId: string;
  /** Small integer id (Meergo's connection id). */
  seq: number;
  name: string;
  description: string | null;
  /** The connection kind: a connector kind the engine knows (`postgres`, `webhook`, `filesystem`, plug-ins). */
  kind: string;
  /** Settings that are not secret (host, port, url …), shown to every member of the organization. */
  settings: Record<string, unknown>;
  /** Secret fields (password, token, headers …), each sealed with the server secret; never shown. */
  sealedSecrets: Record<string, string>;
  createdBy: string;
  modifiedBy: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A connection's secrets in plaintext: only the engine (at run time) and `test` ever hold them. */
export type PlainSecrets = Record<string, unknown>;

function validateName(issues: Issues, name: unknown): void {
  issues.text('name', name, { max: CONNECTION_NAME_MAX, required: true });
}

function validateSettings(issues: Issues, settings: unknown): void {
  if (settings !== undefined && (typeof settings !== 'object' || settings === null || Array.isArray(settings)))
    issues.add('settings', 'Must be an object.');
}

/**
 * Credentials and targets an organization's admins manage (Airflow's and Meergo's
 * connections, Unstract's connectors). Workflows name a connection; they never carry a
 * host, password or token themselves. Secrets are kept sealed; views mask them.
 */
export class Connection {
  private constructor(private state: ConnectionState) {}

  static create(input: {
    id: string;
    seq: number;
    orgId: string;
    name: string;
    description?: string | null;
    kind: string;
    settings?: Record<string, unknown>;
    sealedSecrets?: Record<string, string>;
    by: string;
    now: Date;
  }): Connection {
    const issues = new Issues();
    validateName(issues, input.name);
    issues.text('description', input.description, { max: 490 });
    if (typeof input.kind !== 'string' || !KIND_RE.test(input.kind))
      issues.add('kind', 'This field is required: a connection kind such as "postgres".', 'required');
    validateSettings(issues, input.settings);
    issues.throwIfAny();
    return new Connection({
      id: input.id,
      orgId: input.orgId,
      seq: input.seq,
      name: input.name.trim(),
      description: input.description ?? null,
      kind: input.kind,
      settings: { ...(input.settings ?? {}) },
      sealedSecrets: { ...(input.sealedSecrets ?? {}) },
      createdBy: input.by,
      modifiedBy: input.by,
      createdAt: input.now,
      updatedAt: input.now,
    });
  }

  static restore(state: ConnectionState): Connection {
    return new Connection({
      ...state,
      settings: structuredClone(state.settings),
      sealedSecrets: { ...state.sealedSecrets },
    });
  }

  get id(): string {
    return this.state.id;
  }
  get orgId(): string {
    return this.state.orgId;
  }
  get seq(): number {
    return this.state.seq;
  }
  get name(): string {
    return this.state.name;
  }
  get description(): string | null {
    return this.state.description;
  }
  get kind(): string {
    return this.state.kind;
  }
  /** The settings that are not secret. */
  get settings(): Record<string, unknown> {
    return structuredClone(this.state.settings);
  }
  /** Names of the secret fields that are set (for `hasPassword`-style flags). */
  get secretFields(): string[] {
    return Object.keys(this.state.sealedSecrets).sort();
  }
  get sealedSecrets(): Readonly<Record<string, string>> {
    return this.state.sealedSecrets;
  }
  get createdBy(): string {
    return this.state.createdBy;
  }
  get modifiedBy(): string {
    return this.state.modifiedBy;
  }
  get createdAt(): Date {
    return this.state.createdAt;
  }
  get updatedAt(): Date {
    return this.state.updatedAt;
  }

  /** Settings as every view shows them: secret fields present as `SECRET_MASK`, never their value. */
  maskedSettings(): Record<string, unknown> {
    const out = structuredClone(this.state.settings);
    for (const field of this.secretFields) out[field] = SECRET_MASK;
    return out;
  }

  private touch(by: string, now: Date, patch: Partial<ConnectionState>): void {
    this.state = { ...this.state, ...patch, modifiedBy: by, updatedAt: now };
  }

  rename(name: string, by: string, now: Date): void {
    const issues = new Issues();
    validateName(issues, name);
    issues.throwIfAny();
    this.touch(by, now, { name: name.trim() });
  }

  describe(description: string | null, by: string, now: Date): void {
    new Issues().text('description', description, { max: 490 }).throwIfAny();
    this.touch(by, now, { description });
  }

  /**
   * Replaces the non-secret settings and rotates secrets: each secret given replaces the
   * sealed one, `null` removes it, and secrets not given are kept.
   */
  reconfigure(settings: Record<string, unknown>, secrets: Record<string, string | null>, by: string, now: Date): void {
    const issues = new Issues();
    validateSettings(issues, settings);
    issues.throwIfAny();
    const sealed = { ...this.state.sealedSecrets };
    for (const [field, value] of Object.entries(secrets)) {
      if (value === null) delete sealed[field];
      else sealed[field] = value;
    }
    this.touch(by, now, { settings: structuredClone(settings), sealedSecrets: sealed });
  }

  toState(): ConnectionState {
    return {
      ...this.state,
      settings: structuredClone(this.state.settings),
      sealedSecrets: { ...this.state.sealedSecrets },
    };
  }
}
