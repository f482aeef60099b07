import { NotFoundError, isUuid, type Core } from '@pipewright/core';
import type { Request, RequestHandler, Response } from 'express';
import type { JsonSchema, RouteSpec } from '../shared/openapi.js';
import type { ConnectorInfo } from '../shared/route-set.js';
import { defaultUploadSpool, type UploadSpool } from '../shared/upload-spool.js';

/** Small pieces every Unstract route file uses. */

export const BASE = '/api/v1/unstract/:org_id';

/** What the route files are built from. */
export interface UnstractDeps {
  core: Core;
  publicUrl?: string;
  /** Hosts absolute links may name when no public URL is set (besides loopback ones). */
  allowedHosts?: readonly string[];
  connectors?: () => ConnectorInfo[];
  /** Where uploads are received, and their caps (default: one under the OS temp folder). */
  uploads?: UploadSpool;
}

/** A path id that must be a UUID; anything else is simply not found (and never reaches storage). */
export function idParam(req: Request, name: string, entity: string): string {
  const value = String(req.params[name] ?? '');
  if (!isUuid(value)) throw new NotFoundError(entity, value);
  return value;
}

// ---- multipart uploads (workflow/execute/, the public deployment route) ----

/**
 * Receives a multipart body to disk (text fields → req.body, files → `requestUploads(res)`)
 * for the organization `orgOf` names, held to the spool's caps; other bodies pass through.
 * A refused upload is a 413 (a byte cap) or 400 (a count), a malformed body a 400
 * `multipart.parse.failed`.
 */
export function multipart(deps: UnstractDeps, orgOf: (res: Response) => string): RequestHandler {
  return (deps.uploads ?? defaultUploadSpool()).middleware(orgOf);
}

// ---- OpenAPI response declarations ----

const obj: JsonSchema = { type: 'object' };
const errorSchema: JsonSchema = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: ['validation_error', 'client_error', 'server_error'] },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { code: { type: 'string' }, detail: { type: 'string' }, attr: { type: ['string', 'null'] } },
      },
    },
  },
};
const messageSchema: JsonSchema = { type: 'object', properties: { message: { type: 'string' } } };

export const paginatedSchema: JsonSchema = {
  type: 'object',
  properties: {
    count: { type: 'integer' },
    next: { type: ['string', 'null'] },
    previous: { type: ['string', 'null'] },
    results: { type: 'array', items: obj },
  },
};

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Validation or client error',
  401: 'Unauthorized ({"message"})',
  403: 'Organization access denied ({"message"}) or permission denied',
  404: 'Not found',
  409: 'Conflict',
  413: "Upload too large (a file, the request, or the organization's uploads waiting for their runs)",
  422: 'Unprocessable (e.g. inactive pipeline)',
};

/** A success response plus the error statuses a route can answer. */
export function responses(
  ok: { status: number; description: string; schema?: JsonSchema },
  ...errors: number[]
): RouteSpec['responses'] {
  const out: RouteSpec['responses'] = {
    [ok.status]: {
      description: ok.description,
      ...(ok.schema ? { schema: ok.schema } : ok.status === 204 ? {} : { schema: obj }),
    },
  };
  for (const status of [401, 403, ...errors])
    out[status] = {
      description: ERROR_DESCRIPTIONS[status] ?? 'Error',
      schema: status === 401 ? messageSchema : errorSchema,
    };
  return out;
}

export const objectSchema = obj;
