import { NotFoundError, ValidationError, type Actor, type Core, type Principal } from '@pipewright/core';
import type { Request, Response } from 'express';
import { authenticate } from '../shared/bearer.js';
import { single } from '../shared/request-url.js';

/**
 * The organization a native request acts in: `?org=<slug>` or `X-Pipewright-Org`, else the
 * org a personal key is bound to, else the caller's only organization.
 */
export async function nativeActor(core: Core, req: Request, res: Response): Promise<{ principal: Principal; actor: Actor }> {
  const principal = await authenticate(core, req, res);
  if (principal.via === 'pipeline-key') throw new NotFoundError('Route');
  const slug = single(req.query.org) ?? req.get('x-pipewright-org');
  if (slug) return { principal, actor: await core.auth.actorFor(principal, { slug }) };
  if (principal.via === 'personal-key') return { principal, actor: await core.auth.actorFor(principal, { id: principal.orgId }) };
  const orgs = await core.admin.organizationsOf(principal.userId);
  if (orgs.length !== 1) throw ValidationError.field('org', 'Name the organization with ?org=<slug> or the X-Pipewright-Org header.');
  return { principal, actor: await core.auth.actorIn(principal, orgs[0]!.organization) };
}
