import { NotFoundError } from '@pipewright/core';
import { Router } from 'express';
import { buildOpenApi, mountRoutes, type RouteSpec } from '../shared/openapi.js';
import type { RouteSet, RouteSetContext } from '../shared/route-set.js';
import { zenmlErrorHandler } from './zenml-errors.js';
import { zenmlLoginRoutes } from './zenml-login.routes.js';

export interface ZenmlOptions {
  /** Login attempts per minute per IP and per account. */
  loginPerMinute?: number;
}

/** Paths under /api/v1 that belong to other dialects (ZenML's 404 must not swallow them). */
const OTHER_DIALECTS = /^\/api\/v1\/(unstract|flow|jobs)(\/|$)/;

/** The ZenML-style route set: login, sessions, pipelines, runs, projects, tags, users. */
export function zenmlRouteSet(ctx: RouteSetContext, options: ZenmlOptions = {}): RouteSet {
  const login = zenmlLoginRoutes(ctx.core, { perMinute: options.loginPerMinute ?? 10 });
  const specs: RouteSpec[] = [...login.specs.map((s) => (s.path === '/api/v1/login' ? { ...s, middleware: login.middleware } : s))];
  const router = Router();
  mountRoutes(router, specs);
  router.use('/api/v1', (req, _res, next) => (OTHER_DIALECTS.test(req.originalUrl) ? next('router') : next(new NotFoundError('Route', req.path))));
  router.use('/api/v1', zenmlErrorHandler);
  return {
    name: 'zenml',
    router,
    openapi: buildOpenApi({ title: 'Pipewright — ZenML-style API', version: ctx.version ?? '0.1.0' }, specs, {
      schemes: { OAuth2PasswordBearer: { type: 'oauth2', flows: { password: { tokenUrl: '/api/v1/login', scopes: {} } } } },
      default: [{ OAuth2PasswordBearer: [] }],
    }),
  };
}
