import {
  NotFoundError,
  PermissionDeniedError,
  UnauthenticatedError,
  ValidationError,
  type Actor,
  type Core,
  type Organization,
  type Principal,
} from '@pipewright/core';
import type { Request, Response } from 'express';
import { parse as parseCookies } from 'cookie';
import { bearerCredential } from '../shared/bearer.js';
import { isCrossSiteChange } from '../shared/cross-site.js';

export const SESSION_COOKIE = 'zenml-token';

/** The bearer header's credential; a header in another scheme counts as none (OAuth2PasswordBearer ignores it). */
function headerCredential(req: Request): string | null {
  try {
    return bearerCredential(req);
  } catch {
    return null;
  }
}

/**
 * The caller, from the session cookie (checked first, as ZenML does) or the bearer header:
 * an access token, or a personal key. Pipeline keys serve only the public execute routes.
 * A change authenticated by the cookie alone must come from this server's own pages (CSRF).
 */
export async function zenmlPrincipal(core: Core, req: Request, res: Response): Promise<Principal> {
  const cached = res.locals.principal as Principal | undefined;
  if (cached) return cached;
  const cookie = req.headers.cookie ? parseCookies(req.headers.cookie)[SESSION_COOKIE] : undefined;
  const candidates = [cookie, headerCredential(req)].filter((c): c is string => !!c);
  if (!candidates.length)
    throw Object.assign(new UnauthenticatedError('Not authenticated'), { reason: 'missing' as const });
  // A stale cookie must not lock out a client that also sends a valid header.
  for (const credential of candidates) {
    const principal = await core.auth.authenticate(credential).catch((e: unknown) => {
      if (e instanceof UnauthenticatedError) return null;
      throw e;
    });
    if (principal && principal.via !== 'pipeline-key') {
      if (credential === cookie && isCrossSiteChange(req))
        throw new PermissionDeniedError(
          "Cross-site request refused: a change authenticated by the session cookie must come from this server's own pages.",
        );
      res.locals.principal = principal;
      return principal;
    }
  }
  throw new UnauthenticatedError('error decoding access token: the token is invalid or has expired.');
}

/** A project (organization) by name (= slug) or id; NotFound when it does not exist. */
export async function findProject(core: Core, nameOrId: string): Promise<Organization> {
  const org =
    (await core.auth.findOrganization({ slug: nameOrId })) ?? (await core.auth.findOrganization({ id: nameOrId }));
  if (!org) throw new NotFoundError('Project', nameOrId);
  return org;
}

/**
 * The actor in a ZenML project (an organization, by name = slug, or id). Without one, the
 * org a personal key is bound to, else the user's default organization (core's
 * `auth.defaultActor`; ZenML's "default project").
 */
export async function zenmlActor(core: Core, req: Request, res: Response, project?: string | null): Promise<Actor> {
  const principal = await zenmlPrincipal(core, req, res);
  if (project) return core.auth.actorIn(principal, await findProject(core, project));
  const home = await core.auth.defaultActor(principal);
  if (!home) throw new ValidationError('Project scope missing from the filter.');
  return home.actor;
}

/** The projects the caller may use: the key's organization, or every organization of the user. */
export async function zenmlProjects(core: Core, principal: Principal): Promise<Organization[]> {
  return (await core.auth.organizationsFor(principal)).map((o) => o.org);
}
