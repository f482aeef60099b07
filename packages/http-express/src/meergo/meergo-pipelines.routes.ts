import type { Actor, Core, Pipeline } from '@pipewright/core';
import type { Request, Response } from 'express';
import { parseBody } from '../shared/dto.js';
import type { RouteSpec } from '../shared/openapi.js';
import { meergoActor } from './meergo-auth.js';
import { forbidBody, jsonObject, requireJsonBody } from './meergo-body.js';
import { resolveBodyConnections } from './meergo-connections.js';
import { assertOneWorkflowSource, hasInlineDefinition, inlineDefinition } from './meergo-definition.js';
import { PipelineToSetDto, SetScheduleDto, SetStatusDto } from './meergo-dtos.js';
import { pathId } from './meergo-ids.js';
import { empty, err, idSchema, pipelineSchema, workspaceHeader } from './meergo-schemas.js';
import { pipelineView, sendEmpty, sendJson } from './meergo-views.js';

const auth = {
  400: err('Bad request'),
  401: err('Unauthorized'),
  403: err('Forbidden'),
  404: err('NotFound: workspace or pipeline does not exist'),
};

/** Authenticates, then loads the pipeline named by `:id` (in that order, as Meergo does). */
async function pipelineOf(core: Core, req: Request, res: Response): Promise<{ actor: Actor; pipeline: Pipeline }> {
  const actor = await meergoActor(core, req, res);
  const pipeline = await core.pipelines.getBySeq(actor, pathId(req.params.id, 'pipeline'));
  return { actor, pipeline };
}

export function meergoPipelineRoutes(core: Core): RouteSpec[] {
  return [
    {
      method: 'post',
      path: '/v1/pipelines',
      summary: 'Create a pipeline',
      description:
        'Binds an existing workflow (`workflow`, its uuid) or defines one inline (`source`, `filter`, `transformation`, `destination`, `inSchema`, `outSchema`); `source`/`destination` are `{connector, connection, settings}` and the top-level `connection` (int id) is the source\'s connection. Missing booleans are false. Answers `{"id": N}`.',
      tags: ['pipelines'],
      headers: workspaceHeader,
      body: PipelineToSetDto,
      middleware: [requireJsonBody],
      responses: { 200: { description: 'The new pipeline id', schema: idSchema }, ...auth, 422: err('AlreadyExists') },
      handler: async (req, res) => {
        const actor = await meergoActor(core, req, res);
        const parsed = parseBody(PipelineToSetDto, jsonObject(req));
        assertOneWorkflowSource(parsed);
        const dto = await resolveBodyConnections(core, actor, parsed);
        // An inline workflow is created with the pipeline, in one transaction.
        const { pipeline } = await core.pipelines.create(actor, {
          name: dto.name,
          description: dto.description ?? null,
          workflow: dto.workflow !== undefined ? { id: dto.workflow } : { inline: inlineDefinition(dto) },
          enabled: dto.enabled ?? false,
          incremental: dto.incremental ?? false,
          updatedAtColumn: dto.updatedAtColumn ?? null,
        });
        sendJson(res, { id: pipeline.seq });
      },
    },
    {
      method: 'get',
      path: '/v1/pipelines/:id',
      summary: 'Get a pipeline',
      tags: ['pipelines'],
      headers: workspaceHeader,
      middleware: [forbidBody],
      responses: { 200: { description: 'The pipeline', schema: pipelineSchema }, ...auth },
      handler: async (req, res) => {
        const { actor, pipeline } = await pipelineOf(core, req, res);
        sendJson(res, pipelineView(pipeline, await core.runs.isRunning(actor, pipeline)));
      },
    },
    {
      method: 'put',
      path: '/v1/pipelines/:id',
      summary: 'Update a pipeline',
      description:
        "Replaces name, enabled, incremental and updatedAtColumn (missing booleans are false, a missing column is null). `workflow` rebinds the pipeline; inline definition fields change its workflow's definition. Empty body on success.",
      tags: ['pipelines'],
      headers: workspaceHeader,
      body: PipelineToSetDto,
      middleware: [requireJsonBody],
      responses: { 200: empty, ...auth, 422: err('AlreadyExists') },
      handler: async (req, res) => {
        const { actor, pipeline } = await pipelineOf(core, req, res);
        const parsed = parseBody(PipelineToSetDto, jsonObject(req));
        assertOneWorkflowSource(parsed);
        const dto = await resolveBodyConnections(core, actor, parsed);
        // One change: a bad definition (checked first) or a bad field changes nothing.
        await core.pipelines.update(actor, pipeline.id, {
          name: dto.name,
          ...(dto.description !== undefined ? { description: dto.description } : {}),
          ...(dto.workflow !== undefined ? { workflow: { id: dto.workflow } } : {}),
          ...(hasInlineDefinition(dto) ? { definition: inlineDefinition(dto) } : {}),
          enabled: dto.enabled ?? false,
          incremental: dto.incremental ?? false,
          updatedAtColumn: dto.updatedAtColumn ?? null,
        });
        sendEmpty(res);
      },
    },
    {
      method: 'delete',
      path: '/v1/pipelines/:id',
      summary: 'Delete a pipeline',
      description: 'Its runs go with it, and its schedule. Empty body on success.',
      tags: ['pipelines'],
      headers: workspaceHeader,
      middleware: [forbidBody],
      responses: { 200: empty, ...auth },
      handler: async (req, res) => {
        const { actor, pipeline } = await pipelineOf(core, req, res);
        await core.pipelines.delete(actor, pipeline.id);
        sendEmpty(res);
      },
    },
    {
      method: 'put',
      path: '/v1/pipelines/:id/status',
      summary: 'Set status',
      description: 'Enables or disables the pipeline; a missing `enabled` counts as false. Empty body on success.',
      tags: ['pipelines'],
      headers: workspaceHeader,
      body: SetStatusDto,
      middleware: [requireJsonBody],
      responses: { 200: empty, ...auth },
      handler: async (req, res) => {
        const { actor, pipeline } = await pipelineOf(core, req, res);
        const dto = parseBody(SetStatusDto, jsonObject(req));
        await core.pipelines.setEnabled(actor, pipeline.id, dto.enabled ?? false);
        sendEmpty(res);
      },
    },
    {
      method: 'put',
      path: '/v1/pipelines/:id/schedule',
      summary: 'Set schedule period',
      description:
        'One of "5m", "15m", "30m", "1h", "2h", "3h", "6h", "8h", "12h", "24h"; null or a missing key turns scheduling off. Empty body on success.',
      tags: ['pipelines'],
      headers: workspaceHeader,
      body: SetScheduleDto,
      middleware: [requireJsonBody],
      responses: { 200: empty, ...auth },
      handler: async (req, res) => {
        const { actor, pipeline } = await pipelineOf(core, req, res);
        const dto = parseBody(SetScheduleDto, jsonObject(req));
        await core.pipelines.setSchedule(actor, pipeline.id, dto.period ? { period: dto.period } : null);
        sendEmpty(res);
      },
    },
  ];
}
