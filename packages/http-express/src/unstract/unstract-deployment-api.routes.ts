import { isDomainError, isUuid, ValidationError, type DeploymentAccess, type Run } from '@pipewright/core';
import type { Request, RequestHandler, Response } from 'express';
import { parseBody } from '../shared/dto.js';
import type { RouteSpec } from '../shared/openapi.js';
import { requestUploads } from '../shared/request-uploads.js';
import { single } from '../shared/request-url.js';
import { UnstractDeploymentExecuteDto } from './unstract-api-deployment-dtos.js';
import { deploymentExecutionView } from './unstract-api-deployment-views.js';
import { API_DEPLOYMENT_ATTRS } from './unstract-api-deployments.routes.js';
import { apiException, attrsFor } from './unstract-errors.js';
import { multipart, responses, type UnstractDeps } from './unstract-http.js';
import { executionStatus } from './unstract-views.js';

export const DEPLOYMENT_API_PATH = '/deployment/api/:org_name/:api_name/';
const POLL_MS = 250;
const tags = ['Deployment'];

const access = (res: Response) => res.locals.apiDeployment as DeploymentAccess;

/**
 * Unstract's api_key_validator for API deployments: no `Bearer` → 403 "Missing api key"; no
 * such deployment → 404 "API not found", an inactive one → 404 "API not found or Inactive";
 * a key that is not an active key of this deployment → 401 "Unauthorized".
 */
function checkKey(deps: UnstractDeps): RequestHandler {
  return async (req, res, next) => {
    const header = req.headers.authorization;
    const key = header?.startsWith('Bearer ') ? header.split(' ')[1] : undefined;
    if (!key) throw apiException(403, 'Missing api key');
    res.locals.apiDeployment = await deps.core.apiDeployments
      .access(String(req.params.org_name), String(req.params.api_name), key)
      .catch((e: unknown) => {
        if (!isDomainError(e)) throw e;
        if (e.code === 'UNAUTHENTICATED') throw apiException(401, 'Unauthorized');
        if (e.code === 'NOT_FOUND')
          throw apiException(404, e.message.startsWith('Inactive') ? 'API not found or Inactive' : 'API not found');
        throw e;
      });
    next();
  };
}

/** Polls the run until it ends, the time is up, or the client went away. */
async function waitForEnd(
  deps: UnstractDeps,
  a: DeploymentAccess,
  run: Run,
  seconds: number,
  req: Request,
): Promise<Run> {
  const deadline = Date.now() + seconds * 1000;
  let current = run;
  while (!current.isTerminal && Date.now() < deadline && !req.socket.destroyed) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, Math.max(0, deadline - Date.now()))));
    current = await deps.core.apiDeployments.execution(a, run.id);
  }
  return current;
}

/** The public routes an API deployment's keys call: run it with files, poll an execution. */
export function deploymentApiRoutes(deps: UnstractDeps): RouteSpec[] {
  const middleware = [attrsFor(API_DEPLOYMENT_ATTRS), checkKey(deps)];
  return [
    {
      method: 'post',
      path: DEPLOYMENT_API_PATH,
      summary: "Run an API deployment's workflow with the posted `files` (Authorization: Bearer <deployment key>)",
      tags,
      secured: false,
      bodyContentTypes: ['multipart/form-data'],
      body: {
        type: 'object',
        properties: {
          files: { type: 'array', items: { type: 'string', format: 'binary' } },
          timeout: {
            type: 'integer',
            minimum: -1,
            maximum: 300,
            description: 'Seconds to wait for the end (-1, the default, or 0: answer at once)',
          },
          include_metadata: { type: 'boolean' },
        },
      },
      responses: responses(
        { status: 200, description: '{"message": {execution_status, execution_id, status_api, error, result}}' },
        404,
        413,
        422,
      ),
      // The key is checked (and the organization known) before any upload is read.
      middleware: [...middleware, multipart(deps, (res) => access(res).actor.orgId)],
      handler: async (req, res) => {
        const a = access(res);
        const dto = parseBody(UnstractDeploymentExecuteDto, req.body ?? {});
        let run = await requestUploads(res).handTo((files) => deps.core.apiDeployments.execute(a, files));
        const timeout = dto.timeout ?? -1;
        if (timeout > 0) run = await waitForEnd(deps, a, run, timeout, req);
        const message = deploymentExecutionView(run, String(req.params.org_name), a.deployment.apiName);
        // Unstract answers a failed execution with 422 and the same body.
        res.status(run.status === 'ERROR' ? 422 : 200).json({ message });
      },
    },
    {
      method: 'get',
      path: DEPLOYMENT_API_PATH,
      summary:
        'Status of an execution of the API deployment (`execution_id`): 200 when COMPLETED, 422 while running or after an error',
      tags,
      secured: false,
      query: {
        execution_id: { schema: { type: 'string', format: 'uuid' }, required: true },
        include_metadata: { schema: { type: 'boolean' } },
      },
      responses: responses({ status: 200, description: '{status, message}' }, 400, 404, 422),
      middleware,
      handler: async (req, res) => {
        const raw = single(req.query.execution_id)?.trim();
        if (!raw) throw ValidationError.field('execution_id', 'This field is required.', 'required');
        if (!isUuid(raw))
          throw ValidationError.field('execution_id', `Invalid execution_id '${raw}'. Must be a valid UUID.`);
        const run = await deps.core.apiDeployments.execution(access(res), raw.toLowerCase()).catch((e: unknown) => {
          throw isDomainError(e) && e.code === 'NOT_FOUND'
            ? apiException(404, `Execution with ID '${raw}' does not exist.`)
            : e;
        });
        const status = executionStatus(run.status);
        res.status(status === 'COMPLETED' ? 200 : 422).json({ status, message: status === 'ERROR' ? run.error : null });
      },
    },
  ];
}
