import {
  MAX_SEQ,
  NotFoundError,
  PermissionDeniedError,
  UnauthenticatedError,
  type Actor,
  type Core,
  type Principal,
} from '@pipewright/core';
import type { Request, Response } from 'express';
import { meergoBadRequest } from './meergo-errors.js';

const MISSING_HEADER = 'Authorization header with the API key is not present in the request';
const UNKNOWN_KEY = 'API key in the Authorization header of the request does not exist';
const INVALID_TOKEN = 'access token in the Authorization header of the request is not valid or has expired';
const MALFORMED_HEADER =
  "Authorization header is invalid; it should be in the format 'Authorization: Bearer <YOUR_API_KEY>'";
const NOT_AN_API_KEY = "API key in the Authorization header of the request is not valid; API keys start with 'api_'";
const MISSING_WORKSPACE =
  "Meergo-Workspace header is missing; provide it in the format 'Meergo-Workspace: <WORKSPACE_ID>'";
const INVALID_WORKSPACE =
  "Meergo-Workspace header is invalid; it should be in the format 'Meergo-Workspace: <WORKSPACE_ID>'";

const JWT_RE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function unauthorized(message: string, reason?: 'missing' | 'malformed'): UnauthenticatedError {
  return Object.assign(new UnauthenticatedError(message), reason ? { reason } : {});
}

/** The credential of `Authorization: Bearer <credential>` (Meergo's exact, case-sensitive form). */
function bearer(req: Request): string {
  const header = req.headers.authorization;
  if (header === undefined) throw unauthorized(MISSING_HEADER, 'missing');
  if (!header.startsWith('Bearer ') || header.length === 'Bearer '.length)
    throw unauthorized(MALFORMED_HEADER, 'malformed');
  return header.slice('Bearer '.length);
}

/** The workspace (organization `seq`) named by `Meergo-Workspace`, parsed as Meergo does (int32, no sign). */
function workspaceHeader(req: Request): number | null {
  const values = req.headersDistinct['meergo-workspace'];
  if (!values) return null;
  if (values.length > 1) throw meergoBadRequest('request contains multiple Meergo-Workspace headers');
  const raw = values[0]!;
  const n = /^[0-9]+$/.test(raw) ? Number(raw) : 0;
  if (!Number.isInteger(n) || n < 1 || n > MAX_SEQ) throw meergoBadRequest(INVALID_WORKSPACE);
  return n;
}

/** Authentication failures get Meergo's message; anything else (a lost database) stays what it is. */
function rethrowAs(message: string) {
  return (e: unknown): never => {
    throw e instanceof UnauthenticatedError ? unauthorized(message) : e;
  };
}

async function authenticate(core: Core, credential: string): Promise<Principal> {
  if (credential.startsWith('api_')) {
    const principal = await core.auth.authenticate(credential).catch(rethrowAs(UNKNOWN_KEY));
    if (principal.via !== 'personal-key') throw unauthorized(UNKNOWN_KEY);
    return principal;
  }
  // Access tokens (JWT) are our unrestricted credentials; anything else is not an API key.
  if (!JWT_RE.test(credential)) throw unauthorized(NOT_AN_API_KEY, 'malformed');
  const principal = await core.auth.authenticate(credential).catch(rethrowAs(INVALID_TOKEN));
  if (principal.via !== 'token') throw unauthorized(INVALID_TOKEN);
  return principal;
}

/** Membership lost or a key bound elsewhere reads as "workspace N does not exist" (never leak it). */
async function actorIn(core: Core, principal: Principal, selector: { id: string } | { seq: number }): Promise<Actor> {
  try {
    return await core.auth.actorFor(principal, selector);
  } catch (e) {
    if (e instanceof PermissionDeniedError || e instanceof NotFoundError)
      throw new NotFoundError('Workspace', 'seq' in selector ? selector.seq : undefined);
    throw e;
  }
}

/**
 * The actor of a Meergo request. A personal key is bound to its organization, which it
 * selects; `Meergo-Workspace` is then ignored (Meergo at the pinned commit). An access token
 * is unrestricted: `Meergo-Workspace: <org seq>` must name one of the user's organizations.
 */
export async function meergoActor(core: Core, req: Request, res: Response): Promise<Actor> {
  const cached = res.locals.meergoActor as Actor | undefined;
  if (cached) return cached;
  const principal = await authenticate(core, bearer(req));
  let actor: Actor;
  if (principal.via === 'personal-key') {
    actor = await actorIn(core, principal, { id: principal.orgId });
  } else {
    const seq = workspaceHeader(req);
    if (seq === null) throw new PermissionDeniedError(MISSING_WORKSPACE);
    actor = await actorIn(core, principal, { seq });
  }
  res.locals.meergoActor = actor;
  return actor;
}
