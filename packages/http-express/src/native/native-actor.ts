import { NotFoundError, ValidationError, type Actor, type Core, type Principal } from '@pipewright/core';
import type { Request, Response } from 'express';
import { authenticate } from '../shared/bearer.js';
import { single } from '../shared/request-url.js';

/**
 * The organization a native request acts in: `?org=<slug>` or `X-Pipewright-Org`, else the
 * org a personal key is bound to, else the caller's only organization.
 */
export async function nativeActor(
  core: Core,
  req: Request,
  res: Response,
): Promise<{ principal: Principal; actor: Actor }> {
  const principal = await nativePrincipal(core, req, res);
  const slug = single(req.query.org) ?? req.get('x-pipewright-org');
  if (slug) return { principal, actor: await core.auth.actorFor(principal, { slug }) };
  const home = await core.auth.defaultActor(principal);
  // Native does not guess among several organizations: the caller names one.
  if (!home || home.among !== 1)
    throw ValidationError.field('org', 'Name the organization with ?org=<slug> or the X-Pipewright-Org header.');
  return { principal, actor: home.actor };
}

/** The caller of a native request that is about the server, not one organization; pipeline keys reach no native route. */
export async function nativePrincipal(
  core: Core,
  req: Request,
  res: Response,
): Promise<Exclude<Principal, { via: 'pipeline-key' }>> {
  const principal = await authenticate(core, req, res);
  if (principal.via === 'pipeline-key') throw new NotFoundError('Route');
  return principal;
}
