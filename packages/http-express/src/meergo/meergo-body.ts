import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { BODY_TOO_LARGE, MAX_BODY_BYTES, meergoBadRequest } from './meergo-errors.js';

/*
 * Meergo's body rules, checked before authentication (as its handlers do):
 * GET and DELETE take no body; POST and PUT need a non-empty JSON body of at most 500 KiB.
 * The body is kept raw here and parsed by the handler (after auth), where Meergo decodes it.
 */

const readRaw = express.raw({ type: () => true, limit: MAX_BODY_BYTES });

function declaredLength(req: Request): number | null {
  const header = req.headers['content-length'];
  if (header === undefined) return req.headers['transfer-encoding'] === undefined ? 0 : null;
  const n = Number(header);
  return Number.isInteger(n) && n >= 0 ? n : null;
}

function readBody(req: Request, res: Response): Promise<Buffer> {
  // Another router's parser may have consumed the stream already: use what it parsed.
  if (req.body !== undefined && !Buffer.isBuffer(req.body))
    return Promise.resolve(Buffer.from(JSON.stringify(req.body)));
  return new Promise((resolve, reject) =>
    readRaw(req, res, (err?: unknown) =>
      err ? reject(err) : resolve(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)),
    ),
  );
}

/** The media type and parameters of a Content-Type header (lower-cased names). */
function mediaType(header: string | undefined): { type: string; params: Record<string, string> } | null {
  if (!header) return null;
  const [type, ...rest] = header.split(';');
  const params: Record<string, string> = {};
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq < 0) return null;
    params[part.slice(0, eq).trim().toLowerCase()] = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
  }
  return { type: type!.trim().toLowerCase(), params };
}

/** GET and DELETE: any body is refused with 400 `request body not allowed`. */
export const forbidBody: RequestHandler = async (req: Request, res: Response, next: NextFunction) => {
  const length = declaredLength(req);
  if (length === 0) return next();
  if (length !== null) return next(meergoBadRequest('request body not allowed'));
  // Chunked: only a non-empty body counts.
  const body = await readBody(req, res).catch(() => null);
  next(body === null || body.length > 0 ? meergoBadRequest('request body not allowed') : undefined);
};

/** POST and PUT: a non-empty `application/json` (UTF-8) body of at most 500 KiB, kept raw in `req.body`. */
export const requireJsonBody: RequestHandler = async (req: Request, res: Response, next: NextFunction) => {
  const length = declaredLength(req);
  if (length === 0) return next(meergoBadRequest("request's body is missing"));
  const type = mediaType(req.headers['content-type']);
  if (!type || type.type !== 'application/json' || Object.keys(type.params).some((k) => k !== 'charset'))
    return next(meergoBadRequest("request's content type must be 'application/json'"));
  if (type.params.charset !== undefined && type.params.charset.toLowerCase() !== 'utf-8')
    return next(meergoBadRequest("request's content type charset must be 'utf-8'"));
  if (length !== null && length > MAX_BODY_BYTES) return next(meergoBadRequest(BODY_TOO_LARGE));
  try {
    const body = await readBody(req, res);
    if (body.length === 0) return next(meergoBadRequest("request's body is missing"));
    req.body = body;
    next();
  } catch (err) {
    const e = err as { type?: string };
    next(
      e.type === 'entity.too.large'
        ? meergoBadRequest(BODY_TOO_LARGE)
        : meergoBadRequest("request's body could not be read"),
    );
  }
};

/** The JSON object in a body `requireJsonBody` accepted (parsed after authentication). */
export function jsonObject(req: Request): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse((req.body as Buffer).toString('utf8'));
  } catch (e) {
    throw meergoBadRequest(`request's body is not valid JSON: ${(e as Error).message}`);
  }
  // Like Go's decoder, `null` leaves every field at its zero value.
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw meergoBadRequest("request's body must be a JSON object");
  return value as Record<string, unknown>;
}
