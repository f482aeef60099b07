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

/** The principal can see the resource but may not perform the action. */
export class PermissionDeniedError extends DomainError {
  readonly code = 'PERMISSION_DENIED' as const;
  constructor(message = 'You do not have permission to perform this action.') {
    super(message);
  }
}

export interface FieldIssue {
  /** Field name in core terms (`name`, `schedule.cron`, …); dialects rename it. */
  field: string;
  message: string;
  /** Stable machine code for the issue, e.g. `invalid`, `required`, `too_long`. */
  code?: string;
}

/** Bad input; carries one issue per offending field. */
export class ValidationError extends DomainError {
  readonly code = 'VALIDATION' as const;
  readonly issues: FieldIssue[];
  constructor(issues: FieldIssue[] | string, field?: string) {
    const list =
      typeof issues === 'string'
        ? [{ field: field ?? 'non_field_errors', message: issues, code: 'invalid' }]
        : issues;
    super(list.map((i) => `${i.field}: ${i.message}`).join('; '));
    this.issues = list;
  }
  static field(field: string, message: string, code = 'invalid'): ValidationError {
    return new ValidationError([{ field, message, code }]);
  }
}

/** A uniqueness rule was broken (e.g. a pipeline name already used in the org). */
export class ConflictError extends DomainError {
  readonly code = 'CONFLICT' as const;
  constructor(
    readonly entity: string,
    readonly field: string,
    readonly value: string,
    message?: string,
  ) {
    super(message ?? `A ${entity} with the ${field} ${value} already exists.`);
  }
}

export class PipelineDisabledError extends DomainError {
  readonly code = 'PIPELINE_DISABLED' as const;
  /** `pipelineSeq` is the int id dialects that word the message with it (Meergo) show. */
  constructor(
    readonly pipelineId: string,
    readonly pipelineSeq?: number,
  ) {
    super('pipeline is disabled');
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
    super('pipeline is already in progress');
  }
}

export class CannotRunIncrementallyError extends DomainError {
  readonly code = 'CANNOT_RUN_INCREMENTALLY' as const;
  constructor() {
    super('incremental requires an update time column');
  }
}

/** Runs are allowed only while the organization is in `normal` mode. */
export class OrgNotNormalError extends DomainError {
  readonly code = 'ORG_NOT_NORMAL' as const;
  constructor(readonly mode: 'inspection' | 'maintenance') {
    super(`data warehouse is in ${mode} mode`);
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

/** A dependency (database, network) is unreachable; the request may be retried. */
export class UnavailableError extends DomainError {
  readonly code = 'UNAVAILABLE' as const;
}

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}
