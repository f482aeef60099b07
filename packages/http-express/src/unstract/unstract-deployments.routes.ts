import type { Actor } from '@pipewright/core';
import type { RequestHandler } from 'express';
import type { RouteSpec } from '../shared/openapi.js';
import { requestUploads } from '../shared/request-uploads.js';
import { pipelineKeyActor } from './unstract-auth.js';
import { PIPELINE_ATTRS, attrsFor } from './unstract-errors.js';
import { multipart, responses, type UnstractDeps } from './unstract-http.js';
import { executionStatus } from './unstract-views.js';

export const DEPLOYMENT_PATH = '/deployment/pipeline/api/:org_id/:pipeline_id/';

/** The public route a pipeline's API key triggers (what the Postman collection calls). */
export function deploymentRoutes(deps: UnstractDeps): RouteSpec[] {
  const { core } = deps;
  const checkKey: RequestHandler = async (req, res, next) => {
    res.locals.deploymentActor = await pipelineKeyActor(
      core,
      req,
      String(req.params.org_id),
      String(req.params.pipeline_id),
    );
    next();
  };
  return [
    {
      method: 'post',
      path: DEPLOYMENT_PATH,
      summary:
        "Trigger a pipeline run with the pipeline's API key (Authorization: Bearer <key>); optional multipart `files`",
      tags: ['Deployment'],
      secured: false,
      bodyContentTypes: ['multipart/form-data', 'application/json'],
      body: { type: 'object', properties: { files: { type: 'array', items: { type: 'string', format: 'binary' } } } },
      responses: responses({ status: 200, description: '{"message": "Triggered …", "execution_id"}' }, 409, 413, 422),
      // The key is checked (and the organization known) before any upload is read.
      middleware: [
        attrsFor(PIPELINE_ATTRS),
        checkKey,
        multipart(deps, (res) => (res.locals.deploymentActor as Actor).orgId),
      ],
      handler: async (req, res) => {
        const pipelineId = String(req.params.pipeline_id);
        const actor = res.locals.deploymentActor as Actor;
        const pipeline = await core.pipelines.get(actor, pipelineId);
        // A disabled pipeline's error carries its name: the error table words it as Unstract does.
        const run = await requestUploads(res).handTo((files) =>
          core.runs.trigger(actor, pipeline.id, { trigger: 'public', files }),
        );
        res.json({
          message: `Triggered pipeline '${pipeline.name}'`,
          pipeline_id: pipeline.id,
          execution_id: run.id,
          execution_status: executionStatus(run.status),
        });
      },
    },
  ];
}
