/**
 * Typed errors with stable codes. Each HTTP dialect maps `code` to its own
 * status and body in one table; nothing in core knows a status code.
 */
export type ErrorCode =
  | 'NOT_FOUND'
  | 'PERMISSION_DENIED'
  | 'VALIDATION'
  | 'CONFLICT'
  | 'PIPELINE_DISABLED'
  | 'RUN_IN_PROGRESS'
  | 'CANNOT_RUN_INCREMENTALLY'
  | 'ORG_NOT_NORMAL'
  | 'UNAUTHENTICATED'
  | 'INVALID_STATE'
  | 'UNAVAILABLE';

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  override get name(): string {
    return this.constructor.name;
  }
}

/** The entity does not exist, or the principal may not see it (never leak existence). */
export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND' as const;
  constructor(
    readonly entity: string,
    readonly id?: string | number,
  ) {
    super(`${entity} not found`);
  }
}

/** What a principal was refused: an action on an entity (`write` a Run, `manage` a Pipeline, `access` an Organization). */
export interface DeniedTarget {
  entity: string;
  id?: string;
  action: string;
}

/**
 * The principal can see the resource but may not perform the action. Core throws it bare or
 * with the `target` it refused, and its message is plain English; dialects answer their own
 * product's sentence (`worded` false). A sentence given by the thrower (a dialect's own) is
 * `worded` and shown as is.
 */
export class PermissionDeniedError extends DomainError {
  readonly code = 'PERMISSION_DENIED' as const;
  readonly target?: DeniedTarget;
  readonly worded: boolean;
  constructor(reason?: string | DeniedTarget) {
    super(
      typeof reason === 'string'
        ? reason
        : reason
          ? `Permission denied: may not ${reason.action} ${reason.entity}${reason.id === undefined ? '' : ` ${reason.id}`}.`
          : 'Permission denied.',
    );
    this.worded = typeof reason === 'string';
    if (typeof reason === 'object') this.target = reason;
  }
}

export interface FieldIssue {
  /** Field name in core terms (`name`, `schedule.cron`, …); dialects rename it. */
  field: string;
  message: string;
  /** Stable machine code for the issue, e.g. `invalid`, `required`, `too_long`. */
  code?: string;
  /**
   * Set when the issue is a generic rule (`required`, `blank`, `max_length` {max}, `min_length`
   * {min}, `does_not_exist` {value}): each dialect words it from `code` and these, in its own
   * product's sentences; `message` is the core's plain wording. Without params, `message` is
   * the core's own sentence about its domain and dialects show it as is.
   */
  params?: Readonly<Record<string, string | number>>;
}

/** Bad input; carries one issue per offending field. */
export class ValidationError extends DomainError {
  readonly code = 'VALIDATION' as const;
  readonly issues: FieldIssue[];
  constructor(issues: FieldIssue[] | string, field?: string) {
    const list =
      typeof issues === 'string' ? [{ field: field ?? 'non_field_errors', message: issues, code: 'invalid' }] : issues;
    super(list.map((i) => `${i.field}: ${i.message}`).join('; '));
    this.issues = list;
  }
  static field(field: string, message: string, code = 'invalid'): ValidationError {
    return new ValidationError([{ field, message, code }]);
  }
}

/**
 * A uniqueness rule was broken (e.g. a pipeline name already used in the org). `orgId` is the
 * organization the value is unique in, for names scoped to one (dialects name it: ZenML's
 * project). A `message` is the core's own sentence about its domain (a workflow still in use).
 */
export class ConflictError extends DomainError {
  readonly code = 'CONFLICT' as const;
  constructor(
    readonly entity: string,
    readonly field: string,
    readonly value: string,
    message?: string,
    readonly orgId?: string,
  ) {
    super(message ?? `A ${entity} with the ${field} ${value} already exists.`);
  }
}

export class PipelineDisabledError extends DomainError {
  readonly code = 'PIPELINE_DISABLED' as const;
  /** `pipelineSeq` and `pipelineName` are what dialects word the message with (Meergo shows the int id, Unstract the name). */
  constructor(
    readonly pipelineId: string,
    readonly pipelineSeq?: number,
    readonly pipelineName?: string,
  ) {
    super(`Pipeline ${pipelineName ?? pipelineSeq ?? pipelineId} is disabled; enable it to run it.`);
  }
}

/** The pipeline already has an open run (guaranteed by storage, not by a check in memory). */
export class RunInProgressError extends DomainError {
  readonly code = 'RUN_IN_PROGRESS' as const;
  /** `pipelineSeq` is known when the service (not only storage) saw the pipeline. */
  constructor(
    readonly pipelineId: string,
    readonly pipelineSeq?: number,
  ) {
    super(`Pipeline ${pipelineSeq ?? pipelineId} already has a run in progress.`);
  }
}

/** An incremental run was asked of a pipeline that has no update time column to compare. */
export class CannotRunIncrementallyError extends DomainError {
  readonly code = 'CANNOT_RUN_INCREMENTALLY' as const;
  constructor() {
    super('An incremental run needs the pipeline to name its update time column.');
  }
}

/** Runs are allowed only while the organization is in `normal` mode. */
export class OrgNotNormalError extends DomainError {
  readonly code = 'ORG_NOT_NORMAL' as const;
  constructor(readonly mode: 'inspection' | 'maintenance') {
    super(`The organization is in ${mode} mode; runs are refused until it is back to normal.`);
  }
}

export class UnauthenticatedError extends DomainError {
  readonly code = 'UNAUTHENTICATED' as const;
  constructor(message = 'Unauthorized') {
    super(message);
  }
}

/** An intent method was called in a state that does not allow it. */
export class InvalidStateError extends DomainError {
  readonly code = 'INVALID_STATE' as const;
}

/**
 * An executor acted on a run whose lease it no longer holds: the run was restarted or ended
 * meanwhile (its lease expired) and may be executing elsewhere under another holder. Its
 * heartbeat, finish or retry is refused so it cannot touch the current attempt.
 */
export class LeaseLostError extends InvalidStateError {
  constructor(
    readonly runId: string,
    readonly holder: string | null,
  ) {
    super(`Run ${runId} is no longer held by ${holder ?? 'a queue'}: its lease was taken over.`);
  }
}

/** A dependency (database, network) is unreachable; the request may be retried. */
export class UnavailableError extends DomainError {
  readonly code = 'UNAVAILABLE' as const;
}

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}
