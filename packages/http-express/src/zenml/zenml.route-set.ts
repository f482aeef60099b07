import { Router } from 'express';
import { buildOpenApi, mountRoutes, type RouteSpec } from '../shared/openapi.js';
import type { RouteSet, RouteSetContext } from '../shared/route-set.js';
import { zenmlApiTokenRoutes } from './zenml-api-token.routes.js';
import { zenmlEmptyRoutes } from './zenml-empty.routes.js';
import { zenmlErrorHandler, zenmlRouteNotFound } from './zenml-errors.js';
import { zenmlLoginRoutes } from './zenml-login.routes.js';
import { zenmlPipelineRoutes } from './zenml-pipelines.routes.js';
import { zenmlProjectRoutes } from './zenml-projects.routes.js';
import { zenmlRunRoutes } from './zenml-runs.routes.js';
import { zenmlServerRoutes } from './zenml-server.routes.js';
import { zenmlTagRoutes } from './zenml-tags.routes.js';
import { zenmlUserRoutes } from './zenml-users.routes.js';

export interface ZenmlOptions {
  /** Login attempts per minute per IP and per account. */
  loginPerMinute?: number;
}

/** Paths under /api/v1 that belong to other dialects (ZenML's 404 must not swallow them). */
const OTHER_DIALECTS = /^\/api\/v1\/(unstract|flow|jobs)(\/|$)/;

/** The ZenML-style route set: login, sessions, pipelines, runs, projects, tags, users. */
export function zenmlRouteSet(ctx: RouteSetContext, options: ZenmlOptions = {}): RouteSet {
  const { core } = ctx;
  const login = zenmlLoginRoutes(core, { perMinute: options.loginPerMinute ?? 10, publicUrl: ctx.publicUrl });
  const specs: RouteSpec[] = [
    ...login.specs.map((s) => (s.path === '/api/v1/login' ? { ...s, middleware: login.middleware } : s)),
    ...zenmlServerRoutes(ctx),
    ...zenmlUserRoutes(core),
    ...zenmlPipelineRoutes(core),
    ...zenmlRunRoutes(core),
    ...zenmlProjectRoutes(core),
    ...zenmlTagRoutes(core),
    ...zenmlApiTokenRoutes(core),
    ...zenmlEmptyRoutes(core),
  ];
  const router = Router();
  mountRoutes(router, specs);
  router.use('/api/v1', (req, res, next) =>
    OTHER_DIALECTS.test(req.originalUrl) ? next('router') : zenmlRouteNotFound(req, res, next),
  );
  router.use('/api/v1', zenmlErrorHandler);
  return {
    name: 'zenml',
    router,
    openapi: buildOpenApi(
      {
        title: 'Pipewright — ZenML-style API',
        version: ctx.version ?? '0.1.0',
        description:
          'ZenML REST conventions: OAuth2 password login (token or session cookie), projects = organizations, Page envelopes, `[operator:]value` filters, errors as `{"detail": [ExceptionName, message]}`.',
      },
      specs,
      {
        schemes: {
          OAuth2PasswordBearer: { type: 'oauth2', flows: { password: { tokenUrl: '/api/v1/login', scopes: {} } } },
        },
        default: [{ OAuth2PasswordBearer: [] }],
      },
    ),
  };
}
