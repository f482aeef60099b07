import type { Core } from '@pipewright/core';
import { parseBody } from '../shared/dto.js';
import type { RouteSpec } from '../shared/openapi.js';
import { single } from '../shared/request-url.js';
import { flowActor } from './flow-auth.js';
import { flowJsonBody, readFlowBody } from './flow-body.js';
import { LinkPipelinesDto } from './flow-dtos.js';
import { errorResponse, jobStatusSchema, updatedPipelinesSchema } from './flow-schemas.js';
import { jobStatusView, updatedPipelineView } from './flow-views.js';

export function flowJobRoutes(core: Core): RouteSpec[] {
  return [
    {
      method: 'post',
      path: '/api/v1/jobs/pipelines',
      summary: 'Update the pipelines of a job',
      description:
        'Replaces the set of pipelines linked to the job (an empty list removes them all). Needs write access to the job and manage_pipelines on every pipeline; members of a linked pipeline can then see the job. Failures answer HTTP 200 with status ERROR.',
      tags: ['jobs'],
      body: LinkPipelinesDto,
      middleware: [readFlowBody],
      responses: {
        200: { description: 'The job’s pipelines now, or status ERROR', schema: updatedPipelinesSchema },
        401: errorResponse,
      },
      handler: async (req, res) => {
        const actor = await flowActor(core, req, res);
        const body = flowJsonBody(req);
        // The seed types pipeline_ids as "string" while describing a list: accept one id as a list of one.
        if (typeof body.pipeline_ids === 'string') body.pipeline_ids = [body.pipeline_ids];
        const dto = parseBody(LinkPipelinesDto, body);
        const { pipelines } = await core.runs.linkPipelines(actor, dto.job_id, dto.pipeline_ids);
        res.json({ status: 'OK', updated_pipelines: pipelines.map(updatedPipelineView) });
      },
    },
    {
      method: 'get',
      path: '/api/v1/jobs/status',
      summary: 'Job status',
      description:
        'The job’s state for polling: `state` is PENDING until the job ends, then DONE; `cur_status` (a JSON string) carries the Flow state RUNNING, COMPLETE, FAILED or CANCELLED. `job_id` may also come in a JSON body.',
      tags: ['jobs'],
      query: {
        job_id: { schema: { type: 'string', format: 'uuid' }, required: true, description: 'The job (run) id' },
        type: {
          schema: { type: 'string' },
          description: 'Job type (flow, refiner, job, async, group); accepted and ignored',
        },
      },
      middleware: [readFlowBody],
      responses: {
        200: { description: 'The job status, or status ERROR', schema: jobStatusSchema },
        401: errorResponse,
      },
      handler: async (req, res) => {
        const actor = await flowActor(core, req, res);
        const jobId = single(req.query.job_id) ?? flowJsonBody(req).job_id;
        if (typeof jobId !== 'string' || jobId === '')
          return void res.json({ status: 'ERROR', msg: 'job_id is required.' });
        res.json(jobStatusView(await core.runs.get(actor, jobId)));
      },
    },
  ];
}
