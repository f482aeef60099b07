import { isDomainError, type Actor, type Core, type Organization } from '@pipewright/core';
import type { Request, RequestHandler, Response } from 'express';
import { bearerCredential } from '../shared/bearer.js';
import { apiException, organizationAccessDenied, unauthorized } from './unstract-errors.js';

/** Who is acting on an `/api/v1/unstract/{org_id}/…` request, set by `unstractAuth`. */
export interface UnstractRequestContext {
  actor: Actor;
  org: Organization;
}

export function requestContext(res: Response): UnstractRequestContext {
  return res.locals.unstract as UnstractRequestContext;
}

const codeOf = (e: unknown) => (isDomainError(e) ? e.code : undefined);

/**
 * Unstract's auth middleware: a platform credential (personal key or access token) in
 * `Authorization: Bearer`, and membership of the organization named by the slug in the path.
 * Pipeline keys only serve the public deployment route. An unknown organization is reported
 * as "access denied", so slugs do not leak.
 */
export function unstractAuth(core: Core): RequestHandler {
  return async (req, res, next) => {
    let secret: string | null;
    try {
      secret = bearerCredential(req);
    } catch {
      throw unauthorized();
    }
    if (!secret) throw unauthorized();
    const principal = await core.auth.authenticate(secret).catch((e: unknown) => {
      throw codeOf(e) === 'UNAUTHENTICATED' ? unauthorized() : e;
    });
    if (principal.via === 'pipeline-key') throw unauthorized();
    const { org, actor } = await core.auth.enter(principal, { slug: String(req.params.org_id) }).catch((e: unknown) => {
      const code = codeOf(e);
      throw code === 'PERMISSION_DENIED' || code === 'NOT_FOUND' ? organizationAccessDenied() : e;
    });
    res.locals.unstract = { actor, org } satisfies UnstractRequestContext;
    next();
  };
}

/**
 * The public deployment route's key check (Unstract's api_key_validator): no `Bearer` header
 * → 403 "Missing api key"; a key that is unknown, inactive, or not this pipeline's → 401.
 */
export async function pipelineKeyActor(core: Core, req: Request, orgSlug: string, pipelineId: string): Promise<Actor> {
  const header = req.headers.authorization;
  const key = header?.startsWith('Bearer ') ? header.split(' ')[1] : undefined;
  if (!key) throw apiException(403, 'Missing api key');
  const principal = await core.auth.authenticate(key).catch((e: unknown) => {
    throw codeOf(e) === 'UNAUTHENTICATED' ? apiException(401, 'Unauthorized') : e;
  });
  if (principal.via !== 'pipeline-key' || principal.pipelineId !== pipelineId) throw apiException(401, 'Unauthorized');
  const org = await core.auth.findOrganization({ slug: orgSlug });
  if (!org || org.id !== principal.orgId) throw apiException(401, 'Unauthorized');
  return core.auth.actorIn(principal, org);
}
