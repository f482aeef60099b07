import { CannotRunIncrementallyError, PipelineDisabledError, ValidationError } from '../errors/domain-error.js';
import { RetryPolicy, type RetryPolicyInput, type RetryPolicySpec } from './retry-policy.js';
import type { RunStatus } from './run.js';
import { Schedule, type ScheduleSpec } from './schedule.js';
import { Issues, MAX_SEQ } from './validate.js';

export const PIPELINE_TYPES = ['ETL', 'TASK', 'DEFAULT', 'APP'] as const;
export type PipelineType = (typeof PIPELINE_TYPES)[number];

export interface LastRun {
  id: string;
  at: Date;
  status: RunStatus;
}

export interface PipelineState {
  id: string;
  /** Int id for Meergo-style routes, unique, ≤ 2^31-1. */
  seq: number;
  orgId: string;
  name: string;
  description: string | null;
  type: PipelineType;
  workflowId: string;
  ownerId: string;
  sharedUserIds: string[];
  sharedToOrg: boolean;
  enabled: boolean;
  schedule: ScheduleSpec | null;
  /** Stable per-pipeline minute of the day that period schedules are offset by (Meergo's scheduleStart). */
  scheduleStart: number;
  /** Default for runs that do not say whether they are incremental. */
  incremental: boolean;
  updatedAtColumn: string | null;
  /** Incremental cursor: the largest updated-at value read so far (ISO string), or null for a full read. */
  cursor: string | null;
  /** How runs failing with a retryable error are tried again (default: once, no retry). */
  retry: RetryPolicySpec;
  /**
   * Wall-clock limit of one run, in seconds; null: the operator's maximum only. The effective
   * limit is the smaller of this and the operator's maximum (engine option `runTimeoutMs`).
   */
  runTimeoutSeconds: number | null;
  tagIds: string[];
  runCount: number;
  lastRun: LastRun | null;
  createdBy: string;
  modifiedBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface CreatePipelineInput {
  id: string;
  seq: number;
  orgId: string;
  name: string;
  description?: string | null;
  type?: PipelineType;
  workflowId: string;
  ownerId: string;
  enabled?: boolean;
  schedule?: Schedule | null;
  scheduleStart?: number;
  incremental?: boolean;
  updatedAtColumn?: string | null;
  /** Fields not given take the defaults (one attempt). */
  retry?: RetryPolicyInput;
  /** Wall-clock limit of a run in seconds (null or absent: the operator's maximum only). */
  runTimeoutSeconds?: number | null;
  now: Date;
}

export const PIPELINE_NAME_MAX = 255;
/** Longest per-pipeline run time limit: 7 days (the operator's maximum still applies). */
export const RUN_TIMEOUT_SECONDS_MAX = 7 * 24 * 3600;

function validateCommon(issues: Issues, input: { name?: unknown; description?: unknown; type?: unknown }): void {
  if (input.name !== undefined) issues.text('name', input.name, { max: PIPELINE_NAME_MAX, required: true });
  if (input.description !== undefined && input.description !== null)
    issues.text('description', input.description, { max: 65_535 });
  if (input.type !== undefined && !PIPELINE_TYPES.includes(input.type as PipelineType))
    issues.add(
      'type',
      `"${String(input.type)}" is not a valid choice; use one of ${PIPELINE_TYPES.join(', ')}.`,
      'invalid_choice',
    );
}

function validColumn(issues: Issues, column: unknown): void {
  if (column === null || column === undefined) return;
  if (typeof column !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(column))
    issues.add('updatedAtColumn', 'Must be a column name (letters, digits and "_").');
}

/** Meergo's save rule: a pipeline that reads incrementally by default must name the column it reads by. */
function validIncremental(issues: Issues, incremental: boolean | undefined, column: string | null | undefined): void {
  if (incremental && !column) issues.rule('incremental', 'requires_update_time_column');
}

function validRunTimeout(issues: Issues, seconds: unknown): void {
  if (seconds === null || seconds === undefined) return;
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds <= 0 || seconds > RUN_TIMEOUT_SECONDS_MAX)
    issues.add('runTimeoutSeconds', `Must be null or an integer from 1 to ${RUN_TIMEOUT_SECONDS_MAX} (seconds).`);
}

/** The policy `input` over `base`, or null with its issues added (so create reports them with the others). */
function validRetry(issues: Issues, input: RetryPolicyInput, base?: RetryPolicySpec): RetryPolicy | null {
  try {
    return RetryPolicy.of(input, base);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    for (const i of e.issues) issues.add(i.field, i.message, i.code);
    return null;
  }
}

/** A named, schedulable binding of a workflow in an organization. */
export class Pipeline {
  private constructor(private state: PipelineState) {}

  static create(input: CreatePipelineInput): Pipeline {
    const issues = new Issues();
    validateCommon(issues, { name: input.name, description: input.description, type: input.type });
    validColumn(issues, input.updatedAtColumn);
    validIncremental(issues, input.incremental, input.updatedAtColumn);
    validRunTimeout(issues, input.runTimeoutSeconds);
    if (!Number.isInteger(input.seq) || input.seq < 1 || input.seq > MAX_SEQ) issues.add('seq', 'Out of range.');
    const retry = validRetry(issues, input.retry ?? {});
    issues.throwIfAny();
    return new Pipeline({
      id: input.id,
      seq: input.seq,
      orgId: input.orgId,
      name: input.name.trim(),
      description: input.description ?? null,
      type: input.type ?? 'DEFAULT',
      workflowId: input.workflowId,
      ownerId: input.ownerId,
      sharedUserIds: [],
      sharedToOrg: false,
      enabled: input.enabled ?? true,
      schedule: input.schedule?.spec ?? null,
      scheduleStart: input.scheduleStart ?? 0,
      incremental: input.incremental ?? false,
      updatedAtColumn: input.updatedAtColumn ?? null,
      cursor: null,
      retry: { ...retry!.spec },
      runTimeoutSeconds: input.runTimeoutSeconds ?? null,
      tagIds: [],
      runCount: 0,
      lastRun: null,
      createdBy: input.ownerId,
      modifiedBy: input.ownerId,
      createdAt: input.now,
      updatedAt: input.now,
    });
  }

  static restore(state: PipelineState): Pipeline {
    // Rows saved before the limit existed have none.
    return new Pipeline(copyState({ ...state, runTimeoutSeconds: state.runTimeoutSeconds ?? null }));
  }

  get id(): string {
    return this.state.id;
  }
  get seq(): number {
    return this.state.seq;
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
  get type(): PipelineType {
    return this.state.type;
  }
  get workflowId(): string {
    return this.state.workflowId;
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
  get enabled(): boolean {
    return this.state.enabled;
  }
  get schedule(): Schedule | null {
    return this.state.schedule ? Schedule.fromSpec(this.state.schedule) : null;
  }
  get scheduleStart(): number {
    return this.state.scheduleStart;
  }
  get incremental(): boolean {
    return this.state.incremental;
  }
  get updatedAtColumn(): string | null {
    return this.state.updatedAtColumn;
  }
  get cursor(): string | null {
    return this.state.cursor;
  }
  get retry(): RetryPolicy {
    return RetryPolicy.fromSpec(this.state.retry);
  }
  /** Its own wall-clock limit of a run in seconds, or null (the operator's maximum only). */
  get runTimeoutSeconds(): number | null {
    return this.state.runTimeoutSeconds;
  }
  get tagIds(): readonly string[] {
    return this.state.tagIds;
  }
  get runCount(): number {
    return this.state.runCount;
  }
  get lastRun(): LastRun | null {
    return this.state.lastRun;
  }
  get createdAt(): Date {
    return this.state.createdAt;
  }
  get updatedAt(): Date {
    return this.state.updatedAt;
  }
  get createdBy(): string {
    return this.state.createdBy;
  }
  get modifiedBy(): string {
    return this.state.modifiedBy;
  }

  /** True when the scheduler should hold a job for this pipeline. */
  get isScheduled(): boolean {
    return this.state.enabled && this.state.schedule !== null;
  }

  private touch(by: string, now: Date, patch: Partial<PipelineState>): void {
    this.state = { ...this.state, ...patch, modifiedBy: by, updatedAt: now };
  }

  enable(by: string, now: Date): void {
    if (!this.state.enabled) this.touch(by, now, { enabled: true });
  }

  disable(by: string, now: Date): void {
    if (this.state.enabled) this.touch(by, now, { enabled: false });
  }

  rename(name: string, by: string, now: Date): void {
    const issues = new Issues();
    validateCommon(issues, { name });
    issues.throwIfAny();
    this.touch(by, now, { name: name.trim() });
  }

  describe(description: string | null, by: string, now: Date): void {
    const issues = new Issues();
    validateCommon(issues, { description });
    issues.throwIfAny();
    this.touch(by, now, { description });
  }

  changeType(type: PipelineType, by: string, now: Date): void {
    const issues = new Issues();
    validateCommon(issues, { type });
    issues.throwIfAny();
    this.touch(by, now, { type });
  }

  bindWorkflow(workflowId: string, by: string, now: Date): void {
    this.touch(by, now, { workflowId });
  }

  /** Sets or clears the schedule; does not require the pipeline to be enabled (Meergo). */
  reschedule(schedule: Schedule | null, by: string, now: Date): void {
    this.touch(by, now, { schedule: schedule?.spec ?? null });
  }

  configureIncremental(incremental: boolean, updatedAtColumn: string | null, by: string, now: Date): void {
    const issues = new Issues();
    validColumn(issues, updatedAtColumn);
    validIncremental(issues, incremental, updatedAtColumn);
    issues.throwIfAny();
    this.touch(by, now, { incremental, updatedAtColumn });
  }

  /** Changes the retry policy: given fields replace, missing ones are kept. */
  configureRetry(changes: RetryPolicyInput, by: string, now: Date): void {
    const issues = new Issues();
    const retry = validRetry(issues, changes, this.state.retry);
    issues.throwIfAny();
    this.touch(by, now, { retry: { ...retry!.spec } });
  }

  /** Sets its own wall-clock limit of a run (seconds, > 0), or clears it (null). */
  limitRunTime(seconds: number | null, by: string, now: Date): void {
    const issues = new Issues();
    validRunTimeout(issues, seconds);
    issues.throwIfAny();
    if (seconds !== this.state.runTimeoutSeconds) this.touch(by, now, { runTimeoutSeconds: seconds });
  }

  /** Replaces who the pipeline is shared with. The owner is never in the shared list. */
  share(userIds: readonly string[], toOrg: boolean, by: string, now: Date): void {
    const unique = [...new Set(userIds)].filter((u) => u !== this.state.ownerId);
    this.touch(by, now, { sharedUserIds: unique, sharedToOrg: toOrg });
  }

  transferOwnership(ownerId: string, by: string, now: Date): void {
    this.touch(by, now, {
      ownerId,
      sharedUserIds: this.state.sharedUserIds.filter((u) => u !== ownerId),
    });
  }

  /** Attaching an attached tag is a no-op. Exclusive tags cannot go on pipelines (ZenML's rule). */
  addTag(tag: { id: string; exclusive: boolean; name: string }, by: string, now: Date): void {
    if (tag.exclusive)
      throw ValidationError.field('tags', `Can not attach exclusive tag to resource of type pipeline: ${tag.name}.`);
    if (this.state.tagIds.includes(tag.id)) return;
    this.touch(by, now, { tagIds: [...this.state.tagIds, tag.id] });
  }

  /** Removing a tag that is not attached is silently skipped. */
  removeTag(tagId: string, by: string, now: Date): void {
    if (!this.state.tagIds.includes(tagId)) return;
    this.touch(by, now, { tagIds: this.state.tagIds.filter((t) => t !== tagId) });
  }

  /**
   * Decides whether a run may start, in Meergo's order: an incremental run asked for needs
   * a column, then the pipeline must be enabled. (Open runs and org mode are checked
   * elsewhere: one by the database, the other by the organization.) As in Meergo, the column
   * is checked only when the request says `incremental`; the pipeline's own default was
   * checked when it was saved (a row saved before that rule without a column runs in full).
   * Returns the effective mode.
   */
  assertCanRun(incremental: boolean | null | undefined): boolean {
    if (incremental === true && !this.state.updatedAtColumn) throw new CannotRunIncrementallyError();
    const effective = incremental ?? (this.state.incremental && this.state.updatedAtColumn !== null);
    if (!this.state.enabled) throw new PipelineDisabledError(this.state.id, this.state.seq, this.state.name);
    return effective;
  }

  /** Bookkeeping when a run opens; returns the run's index within this pipeline. */
  recordRunStarted(run: { id: string; status: RunStatus; createdAt: Date }): number {
    this.state = {
      ...this.state,
      runCount: this.state.runCount + 1,
      lastRun: { id: run.id, at: run.createdAt, status: run.status },
    };
    return this.state.runCount;
  }

  /** Keeps the latest run's status current as it moves (a newer run's entry is never replaced by an older one). */
  recordRunStatus(run: { id: string; status: RunStatus; createdAt: Date }): void {
    const lastRun =
      this.state.lastRun && this.state.lastRun.id !== run.id && this.state.lastRun.at > run.createdAt
        ? this.state.lastRun
        : { id: run.id, at: run.createdAt, status: run.status };
    this.state = { ...this.state, lastRun };
  }

  /**
   * Bookkeeping when a run is deleted: if it was the latest, the newest remaining run (or
   * none) takes its place. `runCount` stays, so later runs keep numbering on.
   */
  recordRunDeleted(runId: string, newest: { id: string; status: RunStatus; createdAt: Date } | null): void {
    if (this.state.lastRun?.id !== runId) return;
    this.state = {
      ...this.state,
      lastRun: newest ? { id: newest.id, at: newest.createdAt, status: newest.status } : null,
    };
  }

  /** Bookkeeping when a run ends: last run status, and the cursor it advanced to. */
  recordRunFinished(run: { id: string; status: RunStatus; createdAt: Date }, cursor?: string | null): void {
    this.recordRunStatus(run);
    if (cursor !== undefined) this.state = { ...this.state, cursor };
  }

  /** Saves the incremental cursor reached so far (a run advances it batch by batch). */
  advanceCursor(cursor: string | null): void {
    this.state = { ...this.state, cursor };
  }

  toState(): PipelineState {
    return copyState(this.state);
  }
}

/**
 * A copy sharing nothing mutable with `s` but Dates (the getters hand those out as they are).
 * Typed rather than structuredClone, which costs more than the rest of reading a pipeline.
 */
function copyState(s: PipelineState): PipelineState {
  return {
    ...s,
    sharedUserIds: s.sharedUserIds.slice(),
    schedule: s.schedule === null ? null : { ...s.schedule },
    retry: { ...s.retry },
    tagIds: s.tagIds.slice(),
    lastRun: s.lastRun === null ? null : { ...s.lastRun },
  };
}
