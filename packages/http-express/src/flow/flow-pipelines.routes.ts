import type { Core, Pipeline } from '@pipewright/core';
import { streamJsonArray } from '../shared/json-array-stream.js';
import type { RouteSpec } from '../shared/openapi.js';
import { flowActor } from './flow-auth.js';
import { visiblePipelines } from './flow-query.js';
import { errorResponse, pipelinesSchema } from './flow-schemas.js';
import { flowPipelineView } from './flow-views.js';

/** GET /api/v1/flow/pipeline, and the same list at GET /api/v1/jobs/pipelines (the seed's example uses that path). */
export function flowPipelineRoutes(core: Core): RouteSpec[] {
  const list: RouteSpec['handler'] = async (req, res) => {
    const actor = await flowActor(core, req, res);
    await streamJsonArray<Pipeline>(res, {
      head: '{"status":"OK","pipelines":[',
      tail: ']}',
      items: visiblePipelines(core, actor),
      render: (p) => flowPipelineView(actor, p),
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    });
  };
  const responses = {
    200: { description: 'Pipelines with the caller’s permissions, or status ERROR', schema: pipelinesSchema },
    401: errorResponse,
  };
  return [
    {
      method: 'get',
      path: '/api/v1/flow/pipeline',
      summary: 'List flow pipelines the caller has access to',
      description:
        'Every pipeline the caller may see, with the caller’s own permissions on it and whether the caller manages it.',
      tags: ['flow pipelines'],
      responses,
      handler: list,
    },
    {
      method: 'get',
      path: '/api/v1/jobs/pipelines',
      summary: 'List flow pipelines (alias)',
      description: 'The same list as GET /api/v1/flow/pipeline.',
      tags: ['flow pipelines'],
      responses,
      handler: list,
    },
  ];
}
