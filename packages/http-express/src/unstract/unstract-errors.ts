import { ConflictError, NotFoundError, PipelineDisabledError, type FieldIssue } from '@pipewright/core';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { classifyError, type ErrorKind } from '../shared/classify-error.js';
import { UploadLimitError } from '../shared/upload-errors.js';

/**
 * Unstract's error bodies (drf-standardized-errors): `{type, errors: [{code, detail, attr}]}`.
 * This file is THE table from error kinds to statuses and bodies for the dialect.
 */
export type ErrorType = 'validation_error' | 'client_error' | 'server_error';

export interface UnstractErrorItem {
  code: string;
  detail: string;
  attr: string | null;
}

export interface UnstractErrorBody {
  type: ErrorType;
  errors: UnstractErrorItem[];
}

/** A response Unstract builds by hand (plain `{message}` auth bodies, `{"error": …}` bodies, custom APIExceptions). */
export class UnstractResponseError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(typeof body === 'object' && body !== null ? JSON.stringify(body) : String(body));
  }
}

/** A DRF `APIException` subclass: `code: "error"`, `attr: null`. */
export function apiException(status: number, detail: string): UnstractResponseError {
  return new UnstractResponseError(
    status,
    errorBody(status >= 500 ? 'server_error' : 'client_error', [{ code: 'error', detail, attr: null }]),
  );
}

/** What Unstract answers for running (or listing the keys of) an inactive pipeline. */
export function inactivePipeline(name: string): UnstractResponseError {
  return apiException(422, `Pipeline '${name}' is inactive, please activate the pipeline`);
}

export const unauthorized = () => new UnstractResponseError(401, { message: 'Unauthorized' });
export const organizationAccessDenied = () => new UnstractResponseError(403, { message: 'Organization access denied' });

export function errorBody(type: ErrorType, errors: UnstractErrorItem[]): UnstractErrorBody {
  return { type, errors };
}

// ---- field names: core → Unstract, per resource ----

/** Core field names (ValidationError.issues, ConflictError.field) → Unstract attribute names. */
export type AttrMap = Readonly<Record<string, string>>;

export const PIPELINE_ATTRS: AttrMap = {
  name: 'pipeline_name',
  workflowId: 'workflow',
  type: 'pipeline_type',
  enabled: 'active',
  cron: 'cron_string',
  schedule: 'cron_string',
  timezone: 'cron_string',
  sharedUserIds: 'shared_users',
  sharedToOrg: 'shared_to_org',
};

export const WORKFLOW_ATTRS: AttrMap = {
  name: 'workflow_name',
  workflowId: 'workflow_id',
  isActive: 'is_active',
  deploymentType: 'deployment_type',
  source: 'source_settings',
  destination: 'destination_settings',
  stages: 'stage_settings',
  maxFileExecutionCount: 'max_file_execution_count',
  retryOnInterrupt: 'retry_on_interrupt',
  sharedUserIds: 'shared_users',
  sharedToOrg: 'shared_to_org',
};

export const API_KEY_ATTRS: AttrMap = { isActive: 'is_active', expiresAt: 'expires_at' };

/** Connector instances are connections: `settings.host` → `connector_metadata.host`. */
export const CONNECTOR_ATTRS: AttrMap = {
  name: 'connector_name',
  kind: 'connector_id',
  settings: 'connector_metadata',
};

/**
 * Workflow endpoints (`workflow/endpoint/{id}/`) write one role of the definition:
 * `source.connection` → `connector_instance` (`connector_instance_id` when the body used that
 * name, see `endpointAttrs`), `source.settings.<field>` → `configuration.<field>`,
 * `source.connector` → `connection_type`; issues elsewhere in the definition are `non_field_errors`.
 * A key with a dot is a prefix (`source.settings` covers `source.settings.table`); `*` is the fallback.
 */
export function endpointAttrs(
  role: 'source' | 'destination',
  instanceAttr: 'connector_instance' | 'connector_instance_id' = 'connector_instance',
): AttrMap {
  return {
    [`${role}.connection`]: instanceAttr,
    [`${role}.connector`]: 'connection_type',
    [`${role}.settings`]: 'configuration',
    connection_type: 'connection_type',
    configuration: 'configuration',
    connector_instance: 'connector_instance',
    connector_instance_id: 'connector_instance_id',
    '*': 'non_field_errors',
  };
}

/** Before the role is known (the body's own checks): field names as given. */
export const ENDPOINT_ATTRS: AttrMap = {
  connection_type: 'connection_type',
  configuration: 'configuration',
  connector_instance: 'connector_instance',
  connector_instance_id: 'connector_instance_id',
  '*': 'non_field_errors',
};

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The longest dotted key of `attrs` that is a prefix of `field`, and what follows it. */
function prefixAttr(field: string, attrs: AttrMap): string | undefined {
  let best: string | undefined;
  for (const key of Object.keys(attrs))
    if (key.includes('.') && field.startsWith(`${key}.`) && (!best || key.length > best.length)) best = key;
  // What follows a prefix is inside connector settings: kept as written.
  return best === undefined ? undefined : `${attrs[best]}.${field.slice(best.length + 1)}`;
}

/** `source.connector` → `source_settings.connector`, `stages.inputSchema` → `stage_settings.input_schema`. */
export function unstractAttr(field: string, attrs: AttrMap): string {
  if (field === 'non_field_errors') return field;
  if (attrs[field]) return attrs[field]!;
  const prefixed = prefixAttr(field, attrs);
  if (prefixed !== undefined) return prefixed;
  if (attrs['*'] !== undefined && !attrs[field.split('.')[0]!]) return attrs['*'];
  const [head, ...rest] = field.split('.');
  // Keys inside connector settings are the connector's own: `source.settings.connectionString` stays as written.
  const inSettings = rest.indexOf('settings');
  const tail =
    head === 'settings'
      ? rest
      : inSettings >= 0
        ? [...rest.slice(0, inSettings + 1).map(snake), ...rest.slice(inSettings + 1)]
        : rest.map(snake);
  return [attrs[head!] ?? snake(head!), ...tail].join('.');
}

/** Remembers which field map the route's errors use (set per route, read by the handler). */
export function attrsFor(attrs: AttrMap): RequestHandler {
  return (_req, res, next) => {
    res.locals.unstractAttrs = attrs;
    next();
  };
}

// class-validator constraint names → DRF error codes.
const DRF_CODES: Record<string, string> = {
  isDefined: 'required',
  isNotEmpty: 'blank',
  maxLength: 'max_length',
  minLength: 'min_length',
  isIn: 'invalid_choice',
  isEnum: 'invalid_choice',
  min: 'min_value',
  max: 'max_value',
  arrayMaxSize: 'max_length',
};

function drfCode(code: string | undefined): string {
  if (!code) return 'invalid';
  return DRF_CODES[code] ?? (/^(is|array)[A-Z]/.test(code) ? 'invalid' : code);
}

/** One error per issue, but a missing field reports only "required" (as DRF does). */
function validationErrors(issues: FieldIssue[], attrs: AttrMap): UnstractErrorItem[] {
  const items = issues.map((i) => ({ code: drfCode(i.code), detail: i.message, attr: unstractAttr(i.field, attrs) }));
  const required = new Set(items.filter((i) => i.code === 'required').map((i) => i.attr));
  return items.filter((i) => !required.has(i.attr!) || i.code === 'required');
}

// A WorkflowEndpoint 404 is DRF's bare "Not found." (Unstract's view has no static queryset to name it by).
const NOT_FOUND_NAMES: Record<string, string> = {
  Run: 'Execution',
  Connection: 'Connector',
  WorkflowEndpoint: '',
  Route: '',
  Page: '',
  'API deployment': '',
};

function notFoundDetail(err: unknown): string {
  const entity = err instanceof NotFoundError ? err.entity : '';
  if (entity === 'Page') return 'Invalid page.';
  const name = NOT_FOUND_NAMES[entity] ?? entity;
  return name ? `${name} not found.` : 'Not found.';
}

/** kind → status, body type and DRF code; VALIDATION, CONFLICT and NOT_FOUND get their details below. */
const TABLE: Record<ErrorKind, [number, ErrorType, string]> = {
  VALIDATION: [400, 'validation_error', 'invalid'],
  MALFORMED_BODY: [400, 'client_error', 'parse_error'],
  // The server's limit on filter values: a validation body, but 422 (the request is too large, not wrong).
  FILTER_LIMIT: [422, 'validation_error', 'invalid'],
  NOT_FOUND: [404, 'client_error', 'not_found'],
  PERMISSION_DENIED: [403, 'client_error', 'permission_denied'],
  CONFLICT: [409, 'client_error', 'error'],
  INVALID_STATE: [400, 'client_error', 'error'],
  PIPELINE_DISABLED: [422, 'client_error', 'error'],
  RUN_IN_PROGRESS: [409, 'client_error', 'error'],
  CANNOT_RUN_INCREMENTALLY: [400, 'client_error', 'error'],
  ORG_NOT_NORMAL: [409, 'client_error', 'error'],
  UNAUTHENTICATED: [401, 'client_error', 'not_authenticated'],
  PAYLOAD_TOO_LARGE: [413, 'client_error', 'error'],
  UNAVAILABLE: [503, 'server_error', 'error'],
  INTERNAL: [500, 'server_error', 'error'],
};

const DUPLICATE_NAME: Record<string, string> = {
  pipeline: 'This pipeline name is already in use. Please select a different name.',
  workflow: 'A workflow with this name already exists.',
  connection: 'A connector with this name already exists.',
};

/** Other unique fields: a taken value is DRF's unique error on that field (Unstract's IntegrityErrorMixin). */
const DUPLICATE_VALUE: Record<string, string> = {
  apiName: 'This API name is already in use. Please select a different name.',
};

/** The status and body Unstract answers for any thrown value. */
export function unstractError(err: unknown, attrs: AttrMap = {}): { status: number; body: unknown } {
  if (err instanceof UnstractResponseError) return { status: err.status, body: err.body };
  if (err instanceof UploadLimitError)
    return {
      status: err.status,
      body: errorBody('client_error', [{ code: 'error', detail: err.message, attr: err.field }]),
    };
  const c = classifyError(err);
  // Unstract's auth middleware answers failures with a plain {"message"} body.
  if (c.kind === 'UNAUTHENTICATED') return { status: 401, body: { message: 'Unauthorized' } };
  if (c.kind === 'VALIDATION')
    return { status: 400, body: errorBody('validation_error', validationErrors(c.issues, attrs)) };
  if (c.kind === 'FILTER_LIMIT')
    return {
      status: 422,
      body: errorBody(
        'validation_error',
        c.issues.map((i) => ({ code: i.code ?? 'invalid', detail: i.message, attr: i.field })),
      ),
    };
  if (err instanceof PipelineDisabledError && err.pipelineName !== undefined)
    return unstractError(inactivePipeline(err.pipelineName));
  if (c.kind === 'CONFLICT' && err instanceof ConflictError && err.field === 'name') {
    const detail = DUPLICATE_NAME[err.entity.toLowerCase()] ?? c.message;
    return {
      status: 400,
      body: errorBody('validation_error', [{ code: 'unique', detail, attr: unstractAttr('name', attrs) }]),
    };
  }
  if (c.kind === 'CONFLICT' && err instanceof ConflictError && DUPLICATE_VALUE[err.field] !== undefined)
    return {
      status: 400,
      body: errorBody('validation_error', [
        { code: 'unique', detail: DUPLICATE_VALUE[err.field]!, attr: unstractAttr(err.field, attrs) },
      ]),
    };
  const [status, type, code] = TABLE[c.kind];
  const detail =
    c.kind === 'NOT_FOUND'
      ? notFoundDetail(err)
      : c.kind === 'INTERNAL'
        ? 'A server error occurred.'
        : c.kind === 'PERMISSION_DENIED'
          ? 'You do not have permission to perform this action.'
          : c.message;
  return { status, body: errorBody(type, [{ code, detail, attr: null }]) };
}

export const unstractErrorHandler: ErrorRequestHandler = (err, req, res: Response, _next) => {
  const { status, body } = unstractError(err, (res.locals.unstractAttrs as AttrMap | undefined) ?? {});
  if (status >= 500) (req as { log?: { error(o: object, m: string): void } }).log?.error({ err }, 'request failed');
  if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
  res.status(status).json(body);
};
