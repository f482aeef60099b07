import { OPEN_RUN_STATUSES, query, type Actor, type Core, type Pipeline, type Workflow } from '@pipewright/core';
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

const auth = { 400: err('Bad request'), 401: err('Unauthorized'), 403: err('Forbidden'), 404: err('NotFound: workspace or pipeline does not exist') };

/** Authenticates, then loads the pipeline named by `:id` (in that order, as Meergo does). */
async function pipelineOf(core: Core, req: Request, res: Response): Promise<{ actor: Actor; pipeline: Pipeline }> {
  const actor = await meergoActor(core, req, res);
  const pipeline = await core.pipelines.getBySeq(actor, pathId(req.params.id, 'pipeline'));
  return { actor, pipeline };
}

async function isRunning(core: Core, actor: Actor, p: Pipeline): Promise<boolean> {
  const open = await core.runs.list(
    actor,
    query({
      required: [{ field: 'pipelineId', op: 'equals', value: p.id }],
      filters: [{ field: 'status', op: 'oneof', value: [...OPEN_RUN_STATUSES] }],
      page: { page: 1, size: 1 },
    }),
  );
  return open.items.length > 0;
}

/** A unique name for a workflow defined inline with a pipeline (workflow names are unique per org). */
function inlineWorkflowName(core: Core, pipelineName: string): string {
  return `${pipelineName.trim().slice(0, 100)} (${core.deps.ids.base62(8)})`;
}

/** The workflow a new pipeline runs: the one named, or one created from the inline definition. */
async function workflowFor(core: Core, actor: Actor, dto: PipelineToSetDto): Promise<{ id: string; created: Workflow | null }> {
  if (dto.workflow !== undefined) return { id: (await core.workflows.get(actor, dto.workflow)).id, created: null };
  const created = await core.workflows.create(actor, {
    name: inlineWorkflowName(core, dto.name),
    description: `Defined inline with pipeline "${dto.name}".`,
    definition: inlineDefinition(dto),
  });
  return { id: created.id, created };
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
        const workflow = await workflowFor(core, actor, dto);
        try {
          const { pipeline } = await core.pipelines.create(actor, {
            name: dto.name,
            description: dto.description ?? null,
            workflowId: workflow.id,
            enabled: dto.enabled ?? false,
            incremental: dto.incremental ?? false,
            updatedAtColumn: dto.updatedAtColumn ?? null,
          });
          sendJson(res, { id: pipeline.seq });
        } catch (e) {
          // The inline workflow exists only for this pipeline: do not leave it behind.
          if (workflow.created) await core.workflows.delete(actor, workflow.created.id).catch(() => undefined);
          throw e;
        }
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
        sendJson(res, pipelineView(pipeline, await isRunning(core, actor, pipeline)));
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
        if (dto.workflow !== undefined) await core.workflows.get(actor, dto.workflow);
        if (hasInlineDefinition(dto)) {
          // The definition is checked first, so a bad expression changes nothing.
          const wf = await core.workflows.get(actor, pipeline.workflowId);
          await core.workflows.update(actor, wf.id, { definition: inlineDefinition(dto, wf.definition.stages) });
        }
        await core.pipelines.update(actor, pipeline.id, {
          name: dto.name,
          ...(dto.description !== undefined ? { description: dto.description } : {}),
          ...(dto.workflow !== undefined ? { workflowId: dto.workflow } : {}),
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
      description: 'One of "5m", "15m", "30m", "1h", "2h", "3h", "6h", "8h", "12h", "24h"; null or a missing key turns scheduling off. Empty body on success.',
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
