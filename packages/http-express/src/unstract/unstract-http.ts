import { NotFoundError, isUuid, type Core, type UploadedFile } from '@pipewright/core';
import type { Request, RequestHandler } from 'express';
import multer from 'multer';
import type { JsonSchema, RouteSpec } from '../shared/openapi.js';
import type { ConnectorInfo } from '../shared/route-set.js';

/** Small pieces every Unstract route file uses. */

export const BASE = '/api/v1/unstract/:org_id';

/** What the route files are built from. */
export interface UnstractDeps {
  core: Core;
  publicUrl?: string;
  connectors?: () => ConnectorInfo[];
}

/** A path id that must be a UUID; anything else is simply not found (and never reaches storage). */
export function idParam(req: Request, name: string, entity: string): string {
  const value = String(req.params[name] ?? '');
  if (!isUuid(value)) throw new NotFoundError(entity, value);
  return value;
}

// ---- multipart uploads (workflow/execute/, the public deployment route) ----

export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
export const MAX_UPLOAD_FILES = 100;

const parseMultipart = multer({
  storage: multer.memoryStorage(),
  limits: { fileSize: MAX_UPLOAD_BYTES, files: MAX_UPLOAD_FILES },
  defParamCharset: 'utf8',
}).any();

/**
 * Parses multipart bodies into memory (text fields → req.body, files → req.files); other
 * bodies pass through. A malformed body (no boundary, a truncated part) is the client's
 * error: the parser's plain Error becomes a 400 `multipart.parse.failed`.
 */
export const multipart: RequestHandler = (req, res, next) =>
  parseMultipart(req, res, (err?: unknown) => {
    if (!err || err instanceof multer.MulterError) return next(err);
    next(Object.assign(new Error((err as Error).message ?? 'invalid multipart body'), { status: 400, type: 'multipart.parse.failed', cause: err }));
  });

/** The files posted under the `files` field, for the engine's `upload` source. */
export function uploadedFiles(req: Request): UploadedFile[] {
  const files = Array.isArray(req.files) ? req.files : [];
  return files
    .filter((f) => f.fieldname === 'files')
    .map((f) => ({ name: f.originalname, content: new Uint8Array(f.buffer), ...(f.mimetype ? { mimeType: f.mimetype } : {}) }));
}

// ---- OpenAPI response declarations ----

const obj: JsonSchema = { type: 'object' };
const errorSchema: JsonSchema = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: ['validation_error', 'client_error', 'server_error'] },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { code: { type: 'string' }, detail: { type: 'string' }, attr: { type: ['string', 'null'] } } },
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
  422: 'Unprocessable (e.g. inactive pipeline)',
};

/** A success response plus the error statuses a route can answer. */
export function responses(ok: { status: number; description: string; schema?: JsonSchema }, ...errors: number[]): RouteSpec['responses'] {
  const out: RouteSpec['responses'] = { [ok.status]: { description: ok.description, ...(ok.schema ? { schema: ok.schema } : ok.status === 204 ? {} : { schema: obj }) } };
  for (const status of [401, 403, ...errors])
    out[status] = { description: ERROR_DESCRIPTIONS[status] ?? 'Error', schema: status === 401 ? messageSchema : errorSchema };
  return out;
}

export const objectSchema = obj;
