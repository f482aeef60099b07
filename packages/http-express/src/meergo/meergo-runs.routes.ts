import { NotFoundError, type Core, type Run } from '@pipewright/core';
import { parseBody } from '../shared/dto.js';
import { streamJsonArray } from '../shared/json-array-stream.js';
import type { RouteSpec } from '../shared/openapi.js';
import { meergoActor } from './meergo-auth.js';
import { forbidBody, jsonObject, requireJsonBody } from './meergo-body.js';
import { RunPipelineDto } from './meergo-dtos.js';
import { pathId } from './meergo-ids.js';
import { PipelineSeqs } from './meergo-pipeline-seqs.js';
import { err, idSchema, runSchema, runsSchema, workspaceHeader } from './meergo-schemas.js';
import { runView, sendJson } from './meergo-views.js';

const auth = { 400: err('Bad request'), 401: err('Unauthorized'), 403: err('Forbidden') };

/**
 * Run routes. `GET /v1/pipelines/runs…` come first so `/v1/pipelines/:id` does not capture
 * "runs" (the route set mounts these before the pipeline routes).
 */
export function meergoRunRoutes(core: Core): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/v1/pipelines/runs',
      summary: 'List pipeline runs',
      description:
        'Every pipeline run of the workspace the caller may see, newest first, streamed (no paging). Runs without a pipeline (a workflow run through another dialect) are not listed.',
      tags: ['runs'],
      headers: workspaceHeader,
      middleware: [forbidBody],
      responses: {
        200: { description: 'The runs', schema: runsSchema },
        ...auth,
        404: err('workspace does not exist'),
      },
      handler: async (req, res) => {
        const actor = await meergoActor(core, req, res);
        const seqs = new PipelineSeqs(core, actor);
        await streamJsonArray<{ run: Run; pipeline: number }>(res, {
          head: '{"runs":[',
          tail: ']}\n',
          items: seqs.pipelineRuns(core.runs.stream(actor)),
          render: ({ run, pipeline }) => runView(run, pipeline),
          headers: { 'Content-Type': 'application/json' },
        });
      },
    },
    {
      method: 'get',
      path: '/v1/pipelines/runs/:id',
      summary: 'Get pipeline run',
      tags: ['runs'],
      headers: workspaceHeader,
      middleware: [forbidBody],
      responses: {
        200: { description: 'The run', schema: runSchema },
        ...auth,
        404: err('workspace or pipeline run does not exist'),
      },
      handler: async (req, res) => {
        const actor = await meergoActor(core, req, res);
        const seq = pathId(req.params.id, 'pipeline run');
        const run = await core.runs.getBySeq(actor, seq);
        // A run without a (visible) pipeline is not a pipeline run.
        const pipeline = await new PipelineSeqs(core, actor).of(run.pipelineId);
        if (pipeline === null) throw new NotFoundError('Run', seq);
        sendJson(res, runView(run, pipeline));
      },
    },
    {
      method: 'post',
      path: '/v1/pipelines/:id/runs',
      summary: 'Run pipeline',
      description:
        'Starts a run and answers `{"id": runId}` at once. Checks, in order: incremental needs an update time column, the pipeline must be enabled, no run may be in progress (guaranteed by the database), the warehouse must be in Normal mode.',
      tags: ['runs'],
      headers: workspaceHeader,
      body: RunPipelineDto,
      middleware: [requireJsonBody],
      responses: {
        200: { description: 'The run id', schema: idSchema },
        ...auth,
        404: err('workspace or pipeline does not exist'),
        422: err('CannotRunIncrementally, PipelineDisabled, RunInProgress, InspectionMode or MaintenanceMode'),
      },
      handler: async (req, res) => {
        const actor = await meergoActor(core, req, res);
        const pipeline = await core.pipelines.getBySeq(actor, pathId(req.params.id, 'pipeline'));
        const dto = parseBody(RunPipelineDto, jsonObject(req));
        const run = await core.runs.trigger(actor, pipeline.id, {
          incremental: dto.incremental ?? null,
          trigger: 'api',
        });
        sendJson(res, { id: run.seq });
      },
    },
  ];
}
