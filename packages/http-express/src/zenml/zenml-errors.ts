import { ConflictError, NotFoundError, ValidationError, isUuid } from '@pipewright/core';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { classifyError, type ErrorKind } from '../shared/classify-error.js';
import { PyTuple, pyRepr } from './zenml-python.js';

/** ZenML's one error table: kind → status and the exception name in `{"detail": [name, message]}`. */
const TABLE: Record<ErrorKind, [number, string]> = {
  NOT_FOUND: [404, 'KeyError'],
  PERMISSION_DENIED: [403, 'IllegalOperationError'],
  // A ValueError raised inside ZenML's store is a 400; request-shape problems are tagged below.
  VALIDATION: [400, 'ValueError'],
  MALFORMED_BODY: [422, 'ValueError'],
  // The server's limit on filter values, answered like the filter model's own 422.
  FILTER_LIMIT: [422, 'ValueError'],
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

/**
 * How ZenML answers bad input besides a store ValueError (400):
 * - `filter`: the filter model rejected a query value (bad operator, sort, size…) → 422 `{"detail": ["ValueError", msg]}`;
 * - `request`: FastAPI rejected the request's types (non-int page, bad path UUID, bad body) → 422 bare `["ValueError", msg]`.
 */
type InputKind = 'filter' | 'request';

/** One entry of a FastAPI validation error, as Python prints it. */
export interface RequestIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
  input?: unknown;
}

function tagged(kind: InputKind, message: string): ValidationError {
  return Object.assign(new ValidationError(message), { zenmlInput: kind, zenmlText: message });
}

/** A query value the filter model rejects (422, `detail` wrapping). */
export function filterError(model: string, loc: string | null, message: string): ValidationError {
  return tagged('filter', `1 validation error for ${model}\n${loc ? `${loc}\n` : ''}  ${message}`);
}

/** A request FastAPI rejects before the endpoint runs (422, bare array). */
export function requestError(issues: RequestIssue[]): ValidationError {
  const text = issues
    .map((i) => pyRepr({ type: i.type, loc: new PyTuple(i.loc), msg: i.msg, input: i.input ?? null }))
    .join(', ');
  return tagged('request', `[${text}]`);
}

/** Sends a ZenML error body. */
export function sendZenmlError(res: Response, status: number, name: string, message: string): void {
  res.status(status).json({ detail: [name, message] });
}

/** What ZenML calls a core entity in its messages, where the names differ. */
const ENTITY: Record<string, string> = { Run: 'pipeline run' };

/** `str(KeyError(msg))` quotes the message; ZenML's store words a missing entity this way. */
function notFoundText(err: unknown, fallback: string): string {
  if (err instanceof NotFoundError && err.id !== undefined) {
    const entity = ENTITY[err.entity] ?? err.entity.toLowerCase();
    const by = typeof err.id === 'string' && !isUuid(err.id) ? 'name' : 'ID';
    return `'Unable to get ${entity} with ${by} ${err.id}: No ${entity} with this ${by} found.'`;
  }
  return `'${fallback}'`;
}

/** ZenML's store words a pipeline name taken in the project (the organization the name is unique in). */
function conflictText(err: unknown, fallback: string): string {
  if (err instanceof ConflictError && err.entity === 'pipeline' && err.field === 'name' && err.orgId !== undefined)
    return `Unable to create pipeline in project '${err.orgId}': A pipeline with the name ${err.value} already exists.`;
  return fallback;
}

export const zenmlErrorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const c = classifyError(err);
  if (c.kind === 'UNAUTHENTICATED') {
    res.setHeader('WWW-Authenticate', 'Bearer');
    // FastAPI's OAuth2PasswordBearer answers a missing token with a bare string detail.
    if (c.reason === 'missing') return void res.status(401).json({ detail: 'Not authenticated' });
    return sendZenmlError(res, 401, 'AuthorizationException', `Authentication error: ${c.message}`);
  }
  const { zenmlInput, zenmlText } = err as { zenmlInput?: InputKind; zenmlText?: string };
  if (zenmlInput === 'request') return void res.status(422).json(['ValueError', zenmlText]);
  if (zenmlInput === 'filter') return sendZenmlError(res, 422, 'ValueError', zenmlText!);
  if (c.kind === 'MALFORMED_BODY')
    return void res
      .status(422)
      .json([
        'ValueError',
        `[${pyRepr({ type: 'json_invalid', loc: new PyTuple(['body', 0]), msg: 'JSON decode error', input: {} })}]`,
      ]);
  const [status, name] = TABLE[c.kind];
  if (status >= 500) (req as { log?: { error(o: object, m: string): void } }).log?.error({ err }, 'request failed');
  // ZenML's store raises plain ValueErrors: the messages, without core's field names.
  const message =
    c.kind === 'NOT_FOUND'
      ? notFoundText(err, c.message)
      : c.kind === 'CONFLICT'
        ? conflictText(err, c.message)
        : c.issues.length
          ? c.issues.map((i) => i.message).join('; ')
          : c.message;
  sendZenmlError(res, status, name, message);
};

/** ZenML's catch-all for unknown API paths: FastAPI's HTTPException(404), whatever the credentials. */
export const zenmlRouteNotFound: RequestHandler = (_req, res) => {
  res.status(404).json({ detail: 'Not Found' });
};
