import { isDomainError, type ErrorCode, type FieldIssue } from '@pipewright/core';

export type ErrorKind = ErrorCode | 'PAYLOAD_TOO_LARGE' | 'MALFORMED_BODY' | 'INTERNAL';

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
  const e = err as { type?: string; status?: number; code?: string; message?: string };
  if (e?.type === 'entity.too.large' || e?.status === 413) return { kind: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large.', issues: [], cause: err };
  if (e?.type === 'entity.parse.failed' || e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported' || (e?.status === 400 && e?.type))
    return { kind: 'MALFORMED_BODY', message: `JSON parse error - ${e.message ?? 'invalid body'}`, issues: [], cause: err };
  if (e?.code && UNAVAILABLE_CODES.has(e.code)) return { kind: 'UNAVAILABLE', message: 'The database is unavailable; try again shortly.', issues: [], cause: err };
  if (typeof e?.message === 'string' && /Connection terminated|connection timeout|Client has encountered a connection error/i.test(e.message))
    return { kind: 'UNAVAILABLE', message: 'The database is unavailable; try again shortly.', issues: [], cause: err };
  return { kind: 'INTERNAL', message: 'Internal Server Error', issues: [], cause: err };
}
