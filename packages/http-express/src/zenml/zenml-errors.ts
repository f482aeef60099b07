import type { ErrorRequestHandler, Response } from 'express';
import { classifyError, type ErrorKind } from '../shared/classify-error.js';

/** ZenML's one error table: kind → status and the exception name in `{"detail": [name, message]}`. */
const TABLE: Record<ErrorKind, [number, string]> = {
  NOT_FOUND: [404, 'KeyError'],
  PERMISSION_DENIED: [403, 'IllegalOperationError'],
  VALIDATION: [422, 'ValueError'],
  MALFORMED_BODY: [422, 'ValueError'],
  CONFLICT: [409, 'EntityExistsError'],
  INVALID_STATE: [400, 'IllegalOperationError'],
  PIPELINE_DISABLED: [400, 'IllegalOperationError'],
  RUN_IN_PROGRESS: [409, 'EntityExistsError'],
  CANNOT_RUN_INCREMENTALLY: [400, 'ValueError'],
  ORG_NOT_NORMAL: [400, 'IllegalOperationError'],
  UNAUTHENTICATED: [401, 'AuthorizationException'],
  PAYLOAD_TOO_LARGE: [413, 'ValueError'],
  UNAVAILABLE: [503, 'ServiceUnavailableError'],
  INTERNAL: [500, 'RuntimeError'],
};

/** Sends a ZenML error body. */
export function sendZenmlError(res: Response, status: number, name: string, message: string): void {
  res.status(status).json({ detail: [name, message] });
}

export const zenmlErrorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const c = classifyError(err);
  if (c.kind === 'UNAUTHENTICATED') {
    res.setHeader('WWW-Authenticate', 'Bearer');
    // FastAPI's OAuth2PasswordBearer answers a missing token with a bare string detail.
    if (c.reason === 'missing') return void res.status(401).json({ detail: 'Not authenticated' });
    return sendZenmlError(res, 401, 'AuthorizationException', `Authentication error: ${c.message}`);
  }
  const [status, name] = TABLE[c.kind];
  if (status >= 500) (req as { log?: { error(o: object, m: string): void } }).log?.error({ err }, 'request failed');
  const message = c.kind === 'NOT_FOUND' ? `'${c.message}'` : c.issues.length ? c.issues.map((i) => `${i.field}: ${i.message}`).join('; ') : c.message;
  sendZenmlError(res, status, name, message);
};
