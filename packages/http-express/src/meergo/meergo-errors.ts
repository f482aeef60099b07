import {
  NotFoundError,
  OrgNotNormalError,
  PipelineDisabledError,
  RunInProgressError,
  ValidationError,
} from '@pipewright/core';
import type { ErrorRequestHandler, Response } from 'express';
import { classifyError, type ClassifiedError, type ErrorKind } from '../shared/classify-error.js';
import { meergoRunRefusal } from '../shared/core-error-text.js';
import { issueText } from '../shared/issue-text.js';

/** Meergo's one error table: kind → HTTP status and `error.code`. */
const TABLE: Record<ErrorKind, [number, string]> = {
  VALIDATION: [400, 'BadRequest'],
  MALFORMED_BODY: [400, 'BadRequest'],
  PAYLOAD_TOO_LARGE: [400, 'BadRequest'],
  UNAUTHENTICATED: [401, 'Unauthorized'],
  PERMISSION_DENIED: [403, 'Forbidden'],
  NOT_FOUND: [404, 'NotFound'],
  PIPELINE_DISABLED: [422, 'PipelineDisabled'],
  RUN_IN_PROGRESS: [422, 'RunInProgress'],
  CANNOT_RUN_INCREMENTALLY: [422, 'CannotRunIncrementally'],
  ORG_NOT_NORMAL: [422, 'InspectionMode'],
  // Not Meergo's: our pipeline names are unique per organization; 422 like TargetExist.
  CONFLICT: [422, 'AlreadyExists'],
  INVALID_STATE: [422, 'InvalidState'],
  // Not Meergo's: the server's limit on filter values per request.
  FILTER_LIMIT: [422, 'FilterLimitExceeded'],
  UNAVAILABLE: [503, 'ServiceUnavailable'],
  INTERNAL: [500, 'InternalServerError'],
};

/** What a core entity is called in Meergo's "… N does not exist" messages. */
const ENTITY: Record<string, string> = {
  Pipeline: 'pipeline',
  Run: 'pipeline run',
  Workspace: 'workspace',
  Organization: 'workspace',
  Workflow: 'workflow',
  Connection: 'connection',
};

/** The size limit's message, shared by the header check and the body reader. */
export const MAX_BODY_BYTES = 500 * 1024;
export const BODY_TOO_LARGE = `request's content length must be in the range [1,${MAX_BODY_BYTES}]`;

/** A 400 BadRequest with exactly this message. */
export function meergoBadRequest(message: string): ValidationError {
  return new ValidationError(message);
}

function codeAndMessage(c: ClassifiedError): { status: number; code: string; message: string } {
  const [status, code] = TABLE[c.kind];
  switch (c.kind) {
    case 'NOT_FOUND': {
      // Meergo's code names the int id asked for ("pipeline 12 does not exist"); uuids are not Meergo ids.
      const { entity, id } = c.cause as NotFoundError;
      if (!ENTITY[entity]) return { status, code, message: 'not found' };
      return {
        status,
        code,
        message: typeof id === 'number' ? `${ENTITY[entity]} ${id} does not exist` : `${ENTITY[entity]} does not exist`,
      };
    }
    case 'PIPELINE_DISABLED':
    case 'RUN_IN_PROGRESS': {
      const cause = c.cause as PipelineDisabledError | RunInProgressError;
      return { status, code, message: meergoRunRefusal(cause, cause.pipelineSeq) };
    }
    case 'ORG_NOT_NORMAL': {
      const mode = (c.cause as OrgNotNormalError).mode;
      return { status, code: mode === 'maintenance' ? 'MaintenanceMode' : 'InspectionMode', message: c.message };
    }
    case 'UNAUTHENTICATED':
      // A header in the wrong form is a bad request in Meergo, not an authentication failure.
      return c.reason === 'malformed'
        ? { status: 400, code: 'BadRequest', message: c.message }
        : { status, code, message: c.message };
    case 'VALIDATION':
      return { status, code, message: issueText(c.issues, c.message) };
    case 'PAYLOAD_TOO_LARGE':
      return { status, code, message: BODY_TOO_LARGE };
    default:
      return { status, code, message: c.message };
  }
}

/** Writes `{"error":{"code","message"}}\n` as Meergo does (exact bytes, charset in the type). */
export function sendMeergoError(res: Response, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } }) + '\n';
  res.status(status);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

export const meergoErrorHandler: ErrorRequestHandler = (err, req, res, next) => {
  if (res.headersSent) return next(err);
  const c = classifyError(err);
  const { status, code, message } = codeAndMessage(c);
  if (status >= 500) (req as { log?: { error(o: object, m: string): void } }).log?.error({ err }, 'request failed');
  if (status === 500) {
    // Meergo answers anything it does not know with Go's http.Error: plain text.
    res.status(500).setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    return void res.end('Internal Server Error\n');
  }
  sendMeergoError(res, status, code, message);
};

/** Unknown paths under /v1 (Meergo owns the whole prefix). */
export function meergoRouteNotFound(): NotFoundError {
  return new NotFoundError('Route');
}
