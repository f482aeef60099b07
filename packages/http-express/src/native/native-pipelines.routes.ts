import type { Core } from '@pipewright/core';
import { parseBody } from '../shared/dto.js';
import type { RouteSpec } from '../shared/openapi.js';
import { nativeActor } from './native-actor.js';
import { CreatePipelineDto, UpdatePipelineDto, retryInput } from './native-pipeline-dtos.js';
import { pipelineView, runView } from './native-views.js';

const BASE = '/admin/api/v1';
const obj = { type: 'object' };
const problem = { description: 'Problem (RFC 9457)', schema: obj, contentType: 'application/problem+json' };
const org = { org: { schema: { type: 'string' }, description: 'Organization slug' } };

/** Pipelines (with their retry policy) and runs (with their attempt), as the native API shows them. */
export function pipelineRoutes(core: Core): RouteSpec[] {
  return [
    {
      method: 'post',
      path: `${BASE}/pipelines`,
      summary: 'Create a pipeline of a workflow, owned by the caller (its pipeline key is shown once)',
      body: CreatePipelineDto,
      query: org,
      responses: { 201: { description: 'The pipeline', schema: obj }, 400: problem, 401: problem, 409: problem },
      handler: async (req, res) => {
        const { actor } = await nativeActor(core, req, res);
        const dto = parseBody(CreatePipelineDto, req.body);
        const { pipeline, key } = await core.pipelines.create(actor, {
          name: dto.name,
          workflowId: dto.workflowId,
          description: dto.description ?? null,
          type: dto.type ?? undefined,
          enabled: dto.enabled ?? undefined,
          retry: retryInput(dto.retry),
          runTimeoutSeconds: dto.runTimeoutSeconds ?? null,
        });
        res.status(201).json({ ...pipelineView(pipeline), key: key.secret });
      },
    },
    {
      method: 'get',
      path: `${BASE}/pipelines/:id`,
      summary: 'A pipeline, with its retry policy',
      query: org,
      responses: { 200: { description: 'The pipeline', schema: obj }, 401: problem, 404: problem },
      handler: async (req, res) => {
        const { actor } = await nativeActor(core, req, res);
        res.json(pipelineView(await core.pipelines.get(actor, String(req.params.id))));
      },
    },
    {
      method: 'patch',
      path: `${BASE}/pipelines/:id`,
      summary:
        "Change a pipeline's name, description, enabled flag, retry policy or run time limit (owners only); fields left out stay",
      body: UpdatePipelineDto,
      query: org,
      responses: {
        200: { description: 'The pipeline', schema: obj },
        400: problem,
        403: problem,
        404: problem,
        409: problem,
      },
      handler: async (req, res) => {
        const { actor } = await nativeActor(core, req, res);
        const dto = parseBody(UpdatePipelineDto, req.body);
        const pipeline = await core.pipelines.update(actor, String(req.params.id), {
          name: dto.name ?? undefined,
          description: dto.description,
          enabled: dto.enabled ?? undefined,
          retry: retryInput(dto.retry),
          runTimeoutSeconds: dto.runTimeoutSeconds,
        });
        res.json(pipelineView(pipeline));
      },
    },
    {
      method: 'get',
      path: `${BASE}/runs/:id`,
      summary: 'A run, with its attempt number (retries of retryable failures)',
      query: org,
      responses: { 200: { description: 'The run', schema: obj }, 401: problem, 404: problem },
      handler: async (req, res) => {
        const { actor } = await nativeActor(core, req, res);
        res.json(runView(await core.runs.get(actor, String(req.params.id))));
      },
    },
  ];
}
