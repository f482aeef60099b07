import type { ErrorRequestHandler } from 'express';
import { classifyError, type ErrorKind } from '../shared/classify-error.js';

/** The native API's one error table: kind → HTTP status (RFC 9457 problem+json bodies). */
const STATUS: Record<ErrorKind, number> = {
  NOT_FOUND: 404,
  PERMISSION_DENIED: 403,
  VALIDATION: 400,
  MALFORMED_BODY: 400,
  CONFLICT: 409,
  INVALID_STATE: 409,
  PIPELINE_DISABLED: 422,
  RUN_IN_PROGRESS: 422,
  CANNOT_RUN_INCREMENTALLY: 422,
  ORG_NOT_NORMAL: 422,
  FILTER_LIMIT: 422,
  UNAUTHENTICATED: 401,
  PAYLOAD_TOO_LARGE: 413,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/**
 * Express error middleware answering any thrown value as the native API does: core errors by
 * their code (404, 403, 400 with field issues, 409, 422, 401 …), others 500, as problem+json.
 * Custom route sets mount it last on their router to map errors like the built-in dialects.
 */
export const nativeErrorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const c = classifyError(err);
  const status = STATUS[c.kind];
  if (status >= 500) (req as { log?: { error(o: object, m: string): void } }).log?.error({ err }, 'request failed');
  if (c.kind === 'UNAUTHENTICATED') res.setHeader('WWW-Authenticate', 'Bearer');
  res
    .status(status)
    .type('application/problem+json')
    .send(
      JSON.stringify({
        type: `https://pipewright.dev/problems/${c.kind.toLowerCase().replace(/_/g, '-')}`,
        title: c.kind
          .replace(/_/g, ' ')
          .toLowerCase()
          .replace(/^./, (s) => s.toUpperCase()),
        status,
        detail: c.message,
        code: c.kind,
        ...(c.issues.length
          ? { errors: c.issues.map((i) => ({ field: i.field, message: i.message, code: i.code })) }
          : {}),
      }),
    );
};
