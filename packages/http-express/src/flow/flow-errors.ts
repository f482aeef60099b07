import { PermissionDeniedError, type NotFoundError } from '@pipewright/core';
import type { ErrorRequestHandler, Response } from 'express';
import { classifyError, type ClassifiedError, type ErrorKind } from '../shared/classify-error.js';
import { issueText } from '../shared/issue-text.js';

/**
 * Flow's one error table: kind → HTTP status. Instabase v1 APIs answer failures with HTTP 200
 * and `{"status": "ERROR", "msg"}`; only authentication failures (401), unknown routes (404)
 * and server-side failures (500/503, so clients retry) use another status.
 */
const STATUS: Record<ErrorKind, number> = {
  VALIDATION: 200,
  MALFORMED_BODY: 200,
  PAYLOAD_TOO_LARGE: 200,
  // Too many filter values (the server's limit): 422, so clients see it is the request's size.
  FILTER_LIMIT: 422,
  NOT_FOUND: 200,
  PERMISSION_DENIED: 200,
  CONFLICT: 200,
  INVALID_STATE: 200,
  PIPELINE_DISABLED: 200,
  RUN_IN_PROGRESS: 200,
  CANNOT_RUN_INCREMENTALLY: 200,
  ORG_NOT_NORMAL: 200,
  UNAUTHENTICATED: 401,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** How Flow names core entities in "… not found" messages (a Run is a job). */
const ENTITY: Record<string, string> = {
  Run: 'Job',
  Pipeline: 'Pipeline',
  Organization: 'Organization',
  Workflow: 'Workflow',
};

/** Flow's sentences for the refusals core names a target for (linking pipelines to a job). */
function deniedText(c: ClassifiedError): string {
  const target = c.cause instanceof PermissionDeniedError && !c.cause.worded ? c.cause.target : undefined;
  if (target?.entity === 'Run' && target.action === 'write') return 'You do not have write access to the job.';
  if (target?.entity === 'Pipeline' && target.action === 'manage') return `You cannot manage pipeline ${target.id}.`;
  return c.message;
}

function message(c: ClassifiedError): string {
  switch (c.kind) {
    case 'PERMISSION_DENIED':
      return deniedText(c);
    case 'NOT_FOUND': {
      const { entity, id } = c.cause as NotFoundError;
      const name = ENTITY[entity] ?? entity;
      return id === undefined ? `${name} not found` : `${name} ${id} not found`;
    }
    case 'VALIDATION':
      return issueText(c.issues, c.message);
    case 'MALFORMED_BODY':
      return 'Request body must be valid JSON.';
    case 'PAYLOAD_TOO_LARGE':
      return 'Request body is too large.';
    case 'UNAUTHENTICATED':
      return c.reason === 'missing'
        ? 'Authentication credentials were not provided.'
        : 'Invalid or expired credentials.';
    case 'INTERNAL':
      return 'Internal Server Error';
    default:
      return c.message;
  }
}

/** Sends `{"status": "ERROR", "msg"}`. */
export function sendFlowError(res: Response, status: number, msg: string): void {
  res.status(status).json({ status: 'ERROR', msg });
}

export const flowErrorHandler: ErrorRequestHandler = (err, req, res, next) => {
  if (res.headersSent) return next(err);
  const c = classifyError(err);
  const status = c.kind === 'NOT_FOUND' && (c.cause as NotFoundError).entity === 'Route' ? 404 : STATUS[c.kind];
  if (status >= 500) (req as { log?: { error(o: object, m: string): void } }).log?.error({ err }, 'request failed');
  if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
  sendFlowError(res, status, status === 404 ? 'Not found' : message(c));
};
