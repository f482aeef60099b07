import { isDomainError, type ErrorCode, type FieldIssue } from '@pipewright/core';
import { FilterLimitError } from './filter-limits.js';

export type ErrorKind = ErrorCode | 'PAYLOAD_TOO_LARGE' | 'MALFORMED_BODY' | 'FILTER_LIMIT' | 'INTERNAL';

export interface ClassifiedError {
  kind: ErrorKind;
  message: string;
  issues: FieldIssue[];
  /** Set for Unauthenticated: `missing` when no credential was sent, `malformed` for a bad header. */
  reason?: string;
  cause: unknown;
}

// Driver errors that mean "the database is unreachable", not "the request was wrong".
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006']);

/**
 * Sorts any thrown value into a kind every dialect's error table knows: a core error by
 * its code, body-parser failures, a lost database, or an internal error.
 */
export function classifyError(err: unknown): ClassifiedError {
  if (isDomainError(err)) {
    const issues = 'issues' in err ? ((err as { issues: FieldIssue[] }).issues ?? []) : [];
    return { kind: err.code, message: err.message, issues, reason: (err as { reason?: string }).reason, cause: err };
  }
  if (err instanceof FilterLimitError)
    return { kind: 'FILTER_LIMIT', message: err.message, issues: [{ field: err.parameter ?? 'non_field_errors', message: err.message, code: err.limitCode }], cause: err };
  const e = err as { type?: string; status?: number; code?: string; message?: string };
  if (e?.type === 'entity.too.large' || e?.status === 413) return { kind: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large.', issues: [], cause: err };
  // The router throws a URIError (status 400) for a path parameter that is not valid percent-encoded UTF-8.
  if (err instanceof URIError && e.status === 400) {
    const message = 'The URL has a malformed percent-encoded parameter.';
    return { kind: 'VALIDATION', message, issues: [{ field: 'non_field_errors', message, code: 'invalid' }], cause: err };
  }
  if (e?.type === 'multipart.parse.failed')
    return { kind: 'MALFORMED_BODY', message: `Multipart form parse error - ${e.message ?? 'invalid body'}`, issues: [], cause: err };
  // body-parser's own client errors carry a `type`; a body that fails to inflate (bad gzip)
  // comes as a plain http-errors 400 with `expose` set.
  const clientError = e?.status === 400 && (e?.type || (err as { expose?: boolean }).expose === true);
  if (e?.type === 'entity.parse.failed' || e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported' || clientError)
    return { kind: 'MALFORMED_BODY', message: `JSON parse error - ${e.message ?? 'invalid body'}`, issues: [], cause: err };
  // Postgres refuses text it cannot store (a NUL character, an untranslatable one): the input is invalid.
  if (e?.code === '22021' || e?.code === '22P05') {
    const message = 'A text value contains a character that cannot be stored (such as NUL).';
    return { kind: 'VALIDATION', message, issues: [{ field: 'non_field_errors', message, code: 'invalid' }], cause: err };
  }
  if (e?.code && UNAVAILABLE_CODES.has(e.code)) return { kind: 'UNAVAILABLE', message: 'The database is unavailable; try again shortly.', issues: [], cause: err };
  if (typeof e?.message === 'string' && /Connection terminated|connection timeout|Client has encountered a connection error/i.test(e.message))
    return { kind: 'UNAVAILABLE', message: 'The database is unavailable; try again shortly.', issues: [], cause: err };
  return { kind: 'INTERNAL', message: 'Internal Server Error', issues: [], cause: err };
}
