import { NotFoundError } from '@pipewright/core';
import express, { Router } from 'express';
import { buildOpenApi, mountRoutes } from '../shared/openapi.js';
import type { RouteSet, RouteSetContext } from '../shared/route-set.js';
import { apiDeploymentRoutes } from './unstract-api-deployments.routes.js';
import { apiKeyRoutes } from './unstract-api-keys.routes.js';
import { connectorRoutes } from './unstract-connectors.routes.js';
import { deploymentApiRoutes } from './unstract-deployment-api.routes.js';
import { deploymentRoutes } from './unstract-deployments.routes.js';
import { executionRoutes } from './unstract-executions.routes.js';
import { fileHistoryRoutes } from './unstract-file-history.routes.js';
import { organizationRoutes } from './unstract-organization.routes.js';
import { pipelineRoutes } from './unstract-pipelines.routes.js';
import { unstractAuth } from './unstract-auth.js';
import { unstractErrorHandler } from './unstract-errors.js';
import type { UnstractDeps } from './unstract-http.js';
import { workflowEndpointRoutes } from './unstract-workflow-endpoints.routes.js';
import { workflowRoutes } from './unstract-workflows.routes.js';

const ORG_PREFIX = '/api/v1/unstract';
const PUBLIC_PREFIX = '/deployment/pipeline/api';
/** API deployments' public route (`/deployment/api/{org}/{api_name}/`). */
const API_PREFIX = '/deployment/api';

/**
 * The Unstract-style route set: everything under `/api/v1/unstract/{org_id}/` (org slug,
 * platform credential) plus the public routes a pipeline key or an API deployment key calls.
 */
export function unstractRouteSet(ctx: RouteSetContext): RouteSet {
  const deps: UnstractDeps = {
    core: ctx.core,
    publicUrl: ctx.publicUrl,
    allowedHosts: ctx.allowedHosts,
    connectors: ctx.connectors,
    uploads: ctx.uploads,
  };
  const publicSpecs = [...deploymentRoutes(deps), ...deploymentApiRoutes(deps)];
  // Order matters where paths overlap: literal segments (execute, schema, active, endpoint) come before `:id`.
  const orgSpecs = [
    ...pipelineRoutes(deps),
    // Before the key routes: `api/keys/api/…` is not a key id.
    ...apiDeploymentRoutes(deps),
    ...apiKeyRoutes(deps),
    ...workflowEndpointRoutes(deps),
    ...executionRoutes(deps),
    ...workflowRoutes(deps),
    ...fileHistoryRoutes(deps),
    ...connectorRoutes(deps),
    ...organizationRoutes(deps),
  ];
  const json = express.json({ limit: '1mb', type: ['application/json', 'application/*+json'] });

  const router = Router();
  router.use([PUBLIC_PREFIX, API_PREFIX], json);
  mountRoutes(router, publicSpecs);
  // Authenticate before reading any body.
  router.use(`${ORG_PREFIX}/:org_id`, unstractAuth(ctx.core), json);
  mountRoutes(router, orgSpecs);
  router.use([ORG_PREFIX, PUBLIC_PREFIX, API_PREFIX], (_req, _res, next) => next(new NotFoundError('Route')));
  router.use([ORG_PREFIX, PUBLIC_PREFIX, API_PREFIX], unstractErrorHandler);
  return {
    name: 'unstract',
    router,
    openapi: buildOpenApi(
      {
        title: 'Pipewright — Unstract-style API',
        version: ctx.version ?? '0.1.0',
        description:
          'Pipelines, API deployments, API keys, workflows and their endpoints, connectors (connections), executions, logs, file histories and organization members in Unstract’s shapes.',
      },
      [...publicSpecs, ...orgSpecs],
      { schemes: { bearer: { type: 'http', scheme: 'bearer' } }, default: [{ bearer: [] }] },
    ),
  };
}
