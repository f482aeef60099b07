import { NotFoundError, UnauthenticatedError, ValidationError, type Actor, type Core, type Principal } from '@pipewright/core';
import type { Request, Response } from 'express';
import { parse as parseCookies } from 'cookie';
import { authenticate, bearerCredential } from '../shared/bearer.js';
import { SESSION_COOKIE } from './zenml-login.routes.js';

/** ZenML checks the session cookie first, then the bearer header. Pipeline keys only serve the public route. */
export async function zenmlPrincipal(core: Core, req: Request, res: Response): Promise<Principal> {
  const cookie = req.headers.cookie ? parseCookies(req.headers.cookie)[SESSION_COOKIE] : undefined;
  const principal = await authenticate(core, req, res, cookie || bearerCredential(req));
  if (principal.via === 'pipeline-key') throw new UnauthenticatedError('error decoding access token');
  return principal;
}

/**
 * The actor in a ZenML project (an organization, by name = slug, or id). Without one, the
 * org a personal key is bound to, else the user's first organization by slug.
 */
export async function zenmlActor(core: Core, req: Request, res: Response, project?: string | null): Promise<Actor> {
  const principal = await zenmlPrincipal(core, req, res);
  if (project) {
    const org = (await core.auth.findOrganization({ slug: project })) ?? (await core.auth.findOrganization({ id: project }));
    if (!org) throw new NotFoundError('Project', project);
    return core.auth.actorIn(principal, org);
  }
  if (principal.via === 'personal-key') return core.auth.actorFor(principal, { id: principal.orgId });
  const orgs = principal.via === 'token' ? await core.admin.organizationsOf(principal.userId) : [];
  if (!orgs.length) throw new ValidationError('Project scope missing from the filter.');
  return core.auth.actorIn(principal, orgs[0]!.organization);
}
