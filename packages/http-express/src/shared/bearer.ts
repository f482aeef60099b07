import { UnauthenticatedError, type Core, type Principal } from '@pipewright/core';
import type { Request, Response } from 'express';

/**
 * The credential in `Authorization: Bearer <credential>`; null when the header is absent.
 * A header in another form throws Unauthenticated with reason `malformed`.
 */
export function bearerCredential(req: Request): string | null {
  const header = req.headers.authorization;
  if (header === undefined || header === '') return null;
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  if (!match)
    throw Object.assign(new UnauthenticatedError('Malformed Authorization header'), { reason: 'malformed' as const });
  return match[1]!;
}

/** Authenticates the request's bearer credential (or the one given) and remembers the principal on the response. */
export async function authenticate(
  core: Core,
  req: Request,
  res: Response,
  credential?: string | null,
): Promise<Principal> {
  const cached = res.locals.principal as Principal | undefined;
  if (cached) return cached;
  const secret = credential === undefined ? bearerCredential(req) : credential;
  if (!secret) throw Object.assign(new UnauthenticatedError('Not authenticated'), { reason: 'missing' as const });
  const principal = await core.auth.authenticate(secret);
  res.locals.principal = principal;
  return principal;
}
