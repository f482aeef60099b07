import { isDomainError, type ErrorCode, type FieldIssue } from '@pipewright/core';
import { coreErrorText } from './core-error-text.js';
import { FilterLimitError } from './filter-limits.js';
import { renderIssues } from './issue-text.js';

export type ErrorKind = ErrorCode | 'PAYLOAD_TOO_LARGE' | 'MALFORMED_BODY' | 'FILTER_LIMIT' | 'INTERNAL';

export interface ClassifiedError {
  kind: ErrorKind;
  message: string;
  issues: FieldIssue[];
  /** Set for Unauthenticated: `missing` when no credential was sent, `malformed` for a bad header. */
  reason?: string;
  cause: unknown;
}

/**
 * Sorts any thrown value into a kind every dialect's error table knows: a core error by
 * its code, body-parser failures, or an internal error. Database failures arrive as core
 * errors (storage translates them: a lost database is UNAVAILABLE, refused data VALIDATION).
 */
export function classifyError(err: unknown): ClassifiedError {
  if (isDomainError(err)) {
    // Generic rules are worded here, for every dialect (core keeps its own plain text).
    const issues = renderIssues('issues' in err ? ((err as { issues: FieldIssue[] }).issues ?? []) : []);
    // So are the products' sentences for core's refusals (core's messages are plain English).
    const message =
      err.code === 'VALIDATION' && issues.length
        ? issues.map((i) => `${i.field}: ${i.message}`).join('; ')
        : (coreErrorText(err) ?? err.message);
    return { kind: err.code, message, issues, reason: (err as { reason?: string }).reason, cause: err };
  }
  if (err instanceof FilterLimitError)
    return {
      kind: 'FILTER_LIMIT',
      message: err.message,
      issues: [{ field: err.parameter ?? 'non_field_errors', message: err.message, code: err.limitCode }],
      cause: err,
    };
  const e = err as { type?: string; status?: number; message?: string };
  if (e?.type === 'entity.too.large' || e?.status === 413)
    return { kind: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large.', issues: [], cause: err };
  // The router throws a URIError (status 400) for a path parameter that is not valid percent-encoded UTF-8.
  if (err instanceof URIError && e.status === 400) {
    const message = 'The URL has a malformed percent-encoded parameter.';
    return {
      kind: 'VALIDATION',
      message,
      issues: [{ field: 'non_field_errors', message, code: 'invalid' }],
      cause: err,
    };
  }
  if (e?.type === 'multipart.parse.failed')
    return {
      kind: 'MALFORMED_BODY',
      message: `Multipart form parse error - ${e.message ?? 'invalid body'}`,
      issues: [],
      cause: err,
    };
  // body-parser's own client errors carry a `type`; a body that fails to inflate (bad gzip)
  // comes as a plain http-errors 400 with `expose` set.
  const clientError = e?.status === 400 && (e?.type || (err as { expose?: boolean }).expose === true);
  if (
    e?.type === 'entity.parse.failed' ||
    e?.type === 'encoding.unsupported' ||
    e?.type === 'charset.unsupported' ||
    clientError
  )
    return {
      kind: 'MALFORMED_BODY',
      message: `JSON parse error - ${e.message ?? 'invalid body'}`,
      issues: [],
      cause: err,
    };
  return { kind: 'INTERNAL', message: 'Internal Server Error', issues: [], cause: err };
}
