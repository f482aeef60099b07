import { InvalidStateError, LeaseLostError } from '../errors/domain-error.js';

export const RUN_STATUSES = ['PENDING', 'EXECUTING', 'COMPLETED', 'ERROR', 'STOPPING', 'STOPPED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const OPEN_RUN_STATUSES: readonly RunStatus[] = ['PENDING', 'EXECUTING', 'STOPPING'];
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['COMPLETED', 'ERROR', 'STOPPED'];

export const RUN_TRIGGERS = ['manual', 'schedule', 'api', 'public'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

/** The six stages every record passes, by index (Meergo's passed[]/failed[]). */
export const STAGES = [
  'Receive',
  'InputValidation',
  'Filter',
  'Transformation',
  'OutputValidation',
  'Finalize',
] as const;
export type StageName = (typeof STAGES)[number];

export interface StageCounters {
  passed: number[];
  failed: number[];
}

export interface FileCounters {
  total: number;
  ok: number;
  failed: number;
}

export interface RunState {
  id: string;
  /** Int id for Meergo-style routes. */
  seq: number;
  orgId: string;
  pipelineId: string | null;
  workflowId: string;
  /** The run's sequence within its pipeline (ZenML's `index`), null for workflow-only runs. */
  index: number | null;
  trigger: RunTrigger;
  triggeredBy: string | null;
  status: RunStatus;
  incremental: boolean;
  createdAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  /** When the run last changed (status, cancel, retry, links); lease renewals and progress leave it. */
  updatedAt: Date;
  stages: StageCounters;
  files: FileCounters;
  error: string | null;
  cancelledBy: string | null;
  /** Pipelines linked to this run as a Flow "job"; their members may see it. */
  linkedPipelineIds: string[];
  /** While EXECUTING, the executor renews this lease; past it, the run counts as interrupted. */
  leaseExpiresAt: Date | null;
  /**
   * Who executes the current attempt: a token `start` takes, checked by heartbeat, finish and
   * retry so an executor that lost its lease cannot touch the attempt that replaced it. Null
   * while no attempt runs (PENDING, ended).
   */
  leaseHolder: string | null;
  /** Records given with the trigger request (inline source), if any. */
  input: unknown[] | null;
  /** Which attempt this is (1 first); grows when a retryable failure sends the run back to PENDING. */
  attempt: number;
}

/** How an attempt ended, as its executor reports it. */
export interface AttemptOutcome {
  status: 'COMPLETED' | 'ERROR' | 'STOPPED';
  error?: string | null;
  stages?: StageCounters;
  files?: FileCounters;
}

export function emptyCounters(): StageCounters {
  return { passed: [0, 0, 0, 0, 0, 0], failed: [0, 0, 0, 0, 0, 0] };
}

export const INTERRUPTED = 'interrupted: the process running it stopped responding';
export const CANCELLED = 'run has been canceled';

/** One execution of a workflow, with the status machine PENDING → EXECUTING → COMPLETED | ERROR | STOPPED (STOPPING on cancel). */
export class Run {
  private constructor(private state: RunState) {}

  static create(input: {
    id: string;
    seq: number;
    orgId: string;
    pipelineId: string | null;
    workflowId: string;
    index?: number | null;
    trigger: RunTrigger;
    triggeredBy: string | null;
    incremental?: boolean;
    input?: unknown[] | null;
    now: Date;
  }): Run {
    return new Run({
      id: input.id,
      seq: input.seq,
      orgId: input.orgId,
      pipelineId: input.pipelineId,
      workflowId: input.workflowId,
      index: input.index ?? null,
      trigger: input.trigger,
      triggeredBy: input.triggeredBy,
      status: 'PENDING',
      incremental: input.incremental ?? false,
      createdAt: input.now,
      startedAt: null,
      endedAt: null,
      updatedAt: input.now,
      stages: emptyCounters(),
      files: { total: 0, ok: 0, failed: 0 },
      error: null,
      cancelledBy: null,
      linkedPipelineIds: [],
      leaseExpiresAt: null,
      leaseHolder: null,
      input: input.input ?? null,
      attempt: 1,
    });
  }

  static restore(state: RunState): Run {
    return new Run(copyState(state));
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
  get pipelineId(): string | null {
    return this.state.pipelineId;
  }
  get workflowId(): string {
    return this.state.workflowId;
  }
  get index(): number | null {
    return this.state.index;
  }
  get trigger(): RunTrigger {
    return this.state.trigger;
  }
  get updatedAt(): Date {
    return this.state.updatedAt;
  }
  get status(): RunStatus {
    return this.state.status;
  }
  get incremental(): boolean {
    return this.state.incremental;
  }
  get triggeredBy(): string | null {
    return this.state.triggeredBy;
  }
  get cancelledBy(): string | null {
    return this.state.cancelledBy;
  }
  get createdAt(): Date {
    return this.state.createdAt;
  }
  get startedAt(): Date | null {
    return this.state.startedAt;
  }
  get endedAt(): Date | null {
    return this.state.endedAt;
  }
  get error(): string | null {
    return this.state.error;
  }
  get stages(): StageCounters {
    return copyCounters(this.state.stages);
  }
  get files(): FileCounters {
    return { ...this.state.files };
  }
  get linkedPipelineIds(): readonly string[] {
    return this.state.linkedPipelineIds;
  }
  get leaseExpiresAt(): Date | null {
    return this.state.leaseExpiresAt;
  }
  get leaseHolder(): string | null {
    return this.state.leaseHolder;
  }
  get input(): unknown[] | null {
    return this.state.input;
  }
  get attempt(): number {
    return this.state.attempt;
  }
  get isOpen(): boolean {
    return OPEN_RUN_STATUSES.includes(this.state.status);
  }
  get isTerminal(): boolean {
    return TERMINAL_RUN_STATUSES.includes(this.state.status);
  }

  private expect(from: readonly RunStatus[], action: string): void {
    if (!from.includes(this.state.status))
      throw new InvalidStateError(`Cannot ${action} a run that is ${this.state.status}.`);
  }

  /** Refuses an executor that is not the current attempt's (`null`: the run waits, unheld). */
  private expectHolder(holder: string | null): void {
    if (holder !== this.state.leaseHolder) throw new LeaseLostError(this.state.id, holder);
  }

  /** PENDING → EXECUTING, held by `holder` (the attempt's token) with a lease until `leaseUntil`. */
  start(now: Date, leaseUntil: Date, holder: string): void {
    this.expect(['PENDING'], 'start');
    this.state = {
      ...this.state,
      status: 'EXECUTING',
      startedAt: now,
      updatedAt: now,
      leaseExpiresAt: leaseUntil,
      leaseHolder: holder,
    };
  }

  /**
   * Renews the lease of a run that is still open, for its holder only. A PENDING run is leased
   * too (holder null) while it waits in a process's queue, so that runs queued by a process that
   * died are recovered as well.
   */
  heartbeat(_now: Date, leaseUntil: Date, holder: string | null): void {
    this.expect(['PENDING', 'EXECUTING', 'STOPPING'], 'renew the lease of');
    this.expectHolder(holder);
    // `updatedAt` is when the run last changed state; a lease renewal every few seconds is not
    // a change (lists sorted by `updated` must not reshuffle while runs execute).
    this.state = { ...this.state, leaseExpiresAt: leaseUntil };
  }

  /**
   * Progress while executing (counters are kept as they grow; dialects hide them until the end).
   * Saved with the heartbeat, so, like it, it leaves `updatedAt` alone.
   */
  recordProgress(stages: StageCounters, files: FileCounters, _now: Date): void {
    this.expect(['EXECUTING', 'STOPPING'], 'record progress on');
    validateCounters(stages);
    this.state = { ...this.state, stages: copyCounters(stages), files: { ...files } };
  }

  complete(now: Date, stages?: StageCounters, files?: FileCounters): void {
    this.expect(['EXECUTING', 'STOPPING'], 'complete');
    this.finish('COMPLETED', now, null, stages, files);
  }

  fail(error: string, now: Date, stages?: StageCounters, files?: FileCounters): void {
    this.expect(['PENDING', 'EXECUTING', 'STOPPING'], 'fail');
    this.finish('ERROR', now, error || 'error', stages, files);
  }

  /**
   * The executor's end of an attempt, for its holder only: `COMPLETED` of a run asked to stop
   * meanwhile counts as STOPPED. A PENDING run (holder null) may only fail (it could not start).
   */
  endAttempt(holder: string | null, outcome: AttemptOutcome, now: Date): void {
    this.expectHolder(holder);
    const { stages, files } = outcome;
    if (outcome.status === 'COMPLETED' && this.state.status === 'STOPPING') this.markStopped(now, stages, files);
    else if (outcome.status === 'COMPLETED') this.complete(now, stages, files);
    else if (outcome.status === 'STOPPED') this.markStopped(now, stages, files, outcome.error ?? undefined);
    else this.fail(outcome.error ?? 'error', now, stages, files);
  }

  /**
   * First phase of cancel. A PENDING run stops at once; an EXECUTING one goes to
   * STOPPING until the executor confirms. Cancelling a stopping run is a no-op.
   */
  requestCancel(by: string | null, now: Date): void {
    if (this.state.status === 'STOPPING') return;
    this.expect(['PENDING', 'EXECUTING'], 'cancel');
    if (this.state.status === 'PENDING') {
      this.state = { ...this.state, cancelledBy: by };
      this.finish('STOPPED', now, CANCELLED);
      return;
    }
    this.state = { ...this.state, status: 'STOPPING', cancelledBy: by, updatedAt: now };
  }

  /** Second phase of cancel: the stage saw the abort signal and stopped. */
  markStopped(now: Date, stages?: StageCounters, files?: FileCounters, reason = CANCELLED): void {
    this.expect(['EXECUTING', 'STOPPING'], 'stop');
    this.finish('STOPPED', now, reason, stages, files);
  }

  /** Ends a run whose lease expired (its process died) as ERROR "interrupted". */
  interrupt(now: Date): void {
    this.expect(['PENDING', 'EXECUTING', 'STOPPING'], 'interrupt');
    if (this.state.status === 'STOPPING') this.finish('STOPPED', now, CANCELLED);
    else this.finish('ERROR', now, INTERRUPTED);
  }

  /** Re-opens an interrupted run from the start (retry-on-interrupt), with counters reset. */
  restart(now: Date): void {
    this.expect(['EXECUTING'], 'restart');
    this.state = {
      ...this.state,
      status: 'PENDING',
      startedAt: null,
      updatedAt: now,
      stages: emptyCounters(),
      files: { total: 0, ok: 0, failed: 0 },
      leaseExpiresAt: null,
      leaseHolder: null,
    };
  }

  /**
   * After an attempt failed with a retryable error: back to PENDING for the next attempt,
   * counted, with counters reset; for the failed attempt's holder only. `leaseUntil` is held by
   * a process that waits with it; null when a queue brings the run back (nothing is executing it
   * meanwhile). The next attempt's `start` takes a new holder.
   */
  retry(now: Date, leaseUntil: Date | null, holder: string): void {
    this.expect(['EXECUTING'], 'retry');
    this.expectHolder(holder);
    this.state = {
      ...this.state,
      status: 'PENDING',
      attempt: this.state.attempt + 1,
      startedAt: null,
      updatedAt: now,
      stages: emptyCounters(),
      files: { total: 0, ok: 0, failed: 0 },
      leaseExpiresAt: leaseUntil,
      leaseHolder: null,
    };
  }

  /** Replaces the pipelines linked to this run (a Flow job's pipelines). */
  linkPipelines(pipelineIds: readonly string[], now: Date): void {
    this.state = { ...this.state, linkedPipelineIds: [...new Set(pipelineIds)], updatedAt: now };
  }

  private finish(
    status: RunStatus,
    now: Date,
    error: string | null,
    stages?: StageCounters,
    files?: FileCounters,
  ): void {
    if (stages) validateCounters(stages);
    this.state = {
      ...this.state,
      status,
      endedAt: now,
      updatedAt: now,
      error,
      leaseExpiresAt: null,
      leaseHolder: null,
      stages: stages ? copyCounters(stages) : this.state.stages,
      files: files ? { ...files } : this.state.files,
    };
  }

  toState(): RunState {
    return copyState(this.state);
  }
}

function copyCounters(c: StageCounters): StageCounters {
  return { passed: c.passed.slice(), failed: c.failed.slice() };
}

/**
 * A copy sharing nothing mutable with `s` but Dates (the getters hand those out as they are).
 * Typed rather than structuredClone: runs are restored a million at a time when a run list
 * streams, and structuredClone costs ~14 µs a run, this well under 1 µs.
 */
function copyState(s: RunState): RunState {
  return {
    ...s,
    stages: copyCounters(s.stages),
    files: { ...s.files },
    linkedPipelineIds: s.linkedPipelineIds.slice(),
    input: s.input === null ? null : structuredClone(s.input),
  };
}

function validateCounters(c: StageCounters): void {
  if (c.passed.length !== STAGES.length || c.failed.length !== STAGES.length)
    throw new InvalidStateError('Stage counters must have one entry per stage.');
}
