import { Issues } from './validate.js';

export interface ConnectorConfig {
  connector: string;
  /**
   * The connection the connector reaches its target with: an organization admin's
   * Connection, by id once saved (clients may name it by id or name; the WorkflowService
   * resolves it within the organization). Targets and credentials never live in `settings`.
   */
  connection?: string | null;
  settings: Record<string, unknown>;
}

export interface StageSettings {
  inputSchema?: Record<string, unknown> | null;
  filter?: string | null;
  transformation?: string | { handler: string } | null;
  outputSchema?: Record<string, unknown> | null;
}

export interface WorkflowDefinition {
  source: ConnectorConfig | null;
  stages: StageSettings;
  destination: ConnectorConfig | null;
}

export const DEPLOYMENT_TYPES = ['DEFAULT', 'ETL', 'TASK', 'API', 'APP'] as const;
export type DeploymentType = (typeof DEPLOYMENT_TYPES)[number];

export interface WorkflowState {
  id: string;
  orgId: string;
  name: string;
  description: string | null;
  ownerId: string;
  sharedUserIds: string[];
  sharedToOrg: boolean;
  isActive: boolean;
  deploymentType: DeploymentType;
  source: ConnectorConfig | null;
  stages: StageSettings;
  destination: ConnectorConfig | null;
  /** Files reaching this many executions are skipped by ETL/TASK runs (null: the default, 3). */
  maxFileExecutionCount: number | null;
  /** Re-execute a run from the start when its worker dies (else it ends as ERROR "interrupted"). */
  retryOnInterrupt: boolean;
  createdBy: string;
  modifiedBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export const DEFAULT_MAX_FILE_EXECUTION_COUNT = 3;
export const WORKFLOW_NAME_MAX = 128;

function validateConnector(issues: Issues, field: string, c: unknown): void {
  if (c === null || c === undefined) return;
  if (typeof c !== 'object' || Array.isArray(c)) {
    issues.add(field, 'Must be an object {connector, settings}.');
    return;
  }
  const { connector, settings, connection } = c as Record<string, unknown>;
  if (typeof connector !== 'string' || connector.trim() === '') issues.rule(`${field}.connector`, 'required');
  if (connection !== undefined && connection !== null && (typeof connection !== 'string' || connection.trim() === ''))
    issues.add(`${field}.connection`, 'Must be the id or name of a connection.');
  if (settings !== undefined && settings !== null && (typeof settings !== 'object' || Array.isArray(settings)))
    issues.add(`${field}.settings`, 'Must be an object.');
}

function validateStages(issues: Issues, s: unknown): void {
  if (s === null || s === undefined) return;
  if (typeof s !== 'object' || Array.isArray(s)) {
    issues.add('stages', 'Must be an object.');
    return;
  }
  const st = s as Record<string, unknown>;
  for (const key of ['inputSchema', 'outputSchema'] as const) {
    const v = st[key];
    if (v !== undefined && v !== null && (typeof v !== 'object' || Array.isArray(v)))
      issues.add(`stages.${key}`, 'Must be a JSON Schema object.');
  }
  if (st.filter !== undefined && st.filter !== null && typeof st.filter !== 'string')
    issues.add('stages.filter', 'Must be an expression string.');
  const t = st.transformation;
  if (t !== undefined && t !== null && typeof t !== 'string') {
    const h = (t as Record<string, unknown>)?.handler;
    if (typeof t !== 'object' || typeof h !== 'string' || h === '')
      issues.add('stages.transformation', 'Must be an expression string or {handler: "<name>"}.');
  }
}

function normalizeConnector(c: ConnectorConfig | null | undefined): ConnectorConfig | null {
  if (!c) return null;
  const connection = typeof c.connection === 'string' ? c.connection.trim() : null;
  return { connector: c.connector.trim(), ...(connection ? { connection } : {}), settings: { ...(c.settings ?? {}) } };
}

function validateMax(issues: Issues, v: unknown): void {
  if (v === null || v === undefined) return;
  if (!Number.isInteger(v) || (v as number) < 1) issues.add('maxFileExecutionCount', 'Must be a positive integer.');
}

/** What a run does: a source, six stage settings, a destination. */
export class Workflow {
  private constructor(private state: WorkflowState) {}

  static create(input: {
    id: string;
    orgId: string;
    name: string;
    description?: string | null;
    ownerId: string;
    deploymentType?: DeploymentType;
    definition?: Partial<WorkflowDefinition>;
    maxFileExecutionCount?: number | null;
    retryOnInterrupt?: boolean;
    now: Date;
  }): Workflow {
    const issues = new Issues();
    issues.text('name', input.name, { max: WORKFLOW_NAME_MAX, required: true });
    issues.text('description', input.description, { max: 490 });
    if (input.deploymentType !== undefined && !DEPLOYMENT_TYPES.includes(input.deploymentType))
      issues.add('deploymentType', `Use one of ${DEPLOYMENT_TYPES.join(', ')}.`, 'invalid_choice');
    validateConnector(issues, 'source', input.definition?.source);
    validateConnector(issues, 'destination', input.definition?.destination);
    validateStages(issues, input.definition?.stages);
    validateMax(issues, input.maxFileExecutionCount);
    issues.throwIfAny();
    return new Workflow({
      id: input.id,
      orgId: input.orgId,
      name: input.name.trim(),
      description: input.description ?? null,
      ownerId: input.ownerId,
      sharedUserIds: [],
      sharedToOrg: false,
      isActive: true,
      deploymentType: input.deploymentType ?? 'DEFAULT',
      source: normalizeConnector(input.definition?.source),
      stages: { ...(input.definition?.stages ?? {}) },
      destination: normalizeConnector(input.definition?.destination),
      maxFileExecutionCount: input.maxFileExecutionCount ?? null,
      retryOnInterrupt: input.retryOnInterrupt ?? false,
      createdBy: input.ownerId,
      modifiedBy: input.ownerId,
      createdAt: input.now,
      updatedAt: input.now,
    });
  }

  static restore(state: WorkflowState): Workflow {
    return new Workflow(structuredClone(state));
  }

  get id(): string {
    return this.state.id;
  }
  get orgId(): string {
    return this.state.orgId;
  }
  get name(): string {
    return this.state.name;
  }
  get description(): string | null {
    return this.state.description;
  }
  get ownerId(): string {
    return this.state.ownerId;
  }
  get sharedUserIds(): readonly string[] {
    return this.state.sharedUserIds;
  }
  get sharedToOrg(): boolean {
    return this.state.sharedToOrg;
  }
  get isActive(): boolean {
    return this.state.isActive;
  }
  get deploymentType(): DeploymentType {
    return this.state.deploymentType;
  }
  get definition(): WorkflowDefinition {
    return structuredClone({
      source: this.state.source,
      stages: this.state.stages,
      destination: this.state.destination,
    });
  }
  get maxFileExecutionCount(): number {
    return this.state.maxFileExecutionCount ?? DEFAULT_MAX_FILE_EXECUTION_COUNT;
  }
  get retryOnInterrupt(): boolean {
    return this.state.retryOnInterrupt;
  }
  /** The limit as set: null when the default applies. */
  get configuredMaxFileExecutionCount(): number | null {
    return this.state.maxFileExecutionCount;
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

  private touch(by: string, now: Date, patch: Partial<WorkflowState>): void {
    this.state = { ...this.state, ...patch, modifiedBy: by, updatedAt: now };
  }

  rename(name: string, by: string, now: Date): void {
    new Issues().text('name', name, { max: WORKFLOW_NAME_MAX, required: true }).throwIfAny();
    this.touch(by, now, { name: name.trim() });
  }

  describe(description: string | null, by: string, now: Date): void {
    new Issues().text('description', description, { max: 490 }).throwIfAny();
    this.touch(by, now, { description });
  }

  /** Replaces the parts of the definition that are given. */
  redefine(definition: Partial<WorkflowDefinition>, by: string, now: Date): void {
    const issues = new Issues();
    validateConnector(issues, 'source', definition.source);
    validateConnector(issues, 'destination', definition.destination);
    validateStages(issues, definition.stages);
    issues.throwIfAny();
    this.touch(by, now, {
      ...(definition.source !== undefined ? { source: normalizeConnector(definition.source) } : {}),
      ...(definition.destination !== undefined ? { destination: normalizeConnector(definition.destination) } : {}),
      ...(definition.stages !== undefined ? { stages: { ...(definition.stages ?? {}) } } : {}),
    });
  }

  configureExecution(
    opts: { maxFileExecutionCount?: number | null; retryOnInterrupt?: boolean; deploymentType?: DeploymentType },
    by: string,
    now: Date,
  ): void {
    const issues = new Issues();
    validateMax(issues, opts.maxFileExecutionCount);
    if (opts.deploymentType !== undefined && !DEPLOYMENT_TYPES.includes(opts.deploymentType))
      issues.add('deploymentType', `Use one of ${DEPLOYMENT_TYPES.join(', ')}.`, 'invalid_choice');
    issues.throwIfAny();
    this.touch(by, now, {
      ...(opts.maxFileExecutionCount !== undefined ? { maxFileExecutionCount: opts.maxFileExecutionCount } : {}),
      ...(opts.retryOnInterrupt !== undefined ? { retryOnInterrupt: opts.retryOnInterrupt } : {}),
      ...(opts.deploymentType !== undefined ? { deploymentType: opts.deploymentType } : {}),
    });
  }

  activate(by: string, now: Date): void {
    if (!this.state.isActive) this.touch(by, now, { isActive: true });
  }

  deactivate(by: string, now: Date): void {
    if (this.state.isActive) this.touch(by, now, { isActive: false });
  }

  share(userIds: readonly string[], toOrg: boolean, by: string, now: Date): void {
    const unique = [...new Set(userIds)].filter((u) => u !== this.state.ownerId);
    this.touch(by, now, { sharedUserIds: unique, sharedToOrg: toOrg });
  }

  toState(): WorkflowState {
    return structuredClone(this.state);
  }
}
