import { PermissionDeniedError, UnauthenticatedError, type Actor, type Core } from '@pipewright/core';
import type { Request, Response } from 'express';
import { authenticate } from '../shared/bearer.js';

/**
 * The actor of a Flow request (`Authorization: Bearer <token or api_ key>`). A personal key
 * acts in the organization it is bound to; an access token in the user's default organization
 * (core's `auth.defaultActor`). Pipeline keys are not Flow credentials.
 */
export async function flowActor(core: Core, req: Request, res: Response): Promise<Actor> {
  const cached = res.locals.flowActor as Actor | undefined;
  if (cached) return cached;
  const principal = await authenticate(core, req, res);
  if (principal.via === 'pipeline-key') throw new UnauthenticatedError('Invalid or expired credentials.');
  // A key whose user left its organization no longer authenticates anyone.
  const home = await core.auth.defaultActor(principal).catch((e: unknown) => {
    throw e instanceof PermissionDeniedError ? new UnauthenticatedError('Invalid or expired credentials.') : e;
  });
  if (!home) throw new PermissionDeniedError('You do not belong to any organization.');
  const actor = home.actor;
  res.locals.flowActor = actor;
  return actor;
}
