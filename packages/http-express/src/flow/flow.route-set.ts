import { NotFoundError } from '@pipewright/core';
import { Router } from 'express';
import { buildOpenApi, mountRoutes, type RouteSpec } from '../shared/openapi.js';
import type { RouteSet, RouteSetContext } from '../shared/route-set.js';
import { flowErrorHandler } from './flow-errors.js';
import { flowJobRoutes } from './flow-jobs.routes.js';
import { flowPipelineRoutes } from './flow-pipelines.routes.js';

/** The paths this route set owns (ZenML's router forwards them here). */
const PREFIXES = ['/api/v1/flow', '/api/v1/jobs'];

/** The Flow-style route set: flow pipelines with the caller's permissions, jobs ↔ pipelines, job status. */
export function flowRouteSet(ctx: RouteSetContext): RouteSet {
  const specs: RouteSpec[] = [...flowPipelineRoutes(ctx.core), ...flowJobRoutes(ctx.core)];
  const router = Router();
  mountRoutes(router, specs);
  router.use(PREFIXES, (req, _res, next) => next(new NotFoundError('Route', req.path)));
  router.use(PREFIXES, flowErrorHandler);
  return {
    name: 'flow',
    router,
    openapi: buildOpenApi(
      {
        title: 'Pipewright — Flow-style API',
        version: ctx.version ?? '0.1.0',
        description:
          'Instabase Flow Pipeline API: pipelines with the caller’s permissions, jobs linked to pipelines, job status.',
      },
      specs,
      {
        schemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Access token or api_ personal key' } },
        default: [{ bearer: [] }],
      },
    ),
  };
}
