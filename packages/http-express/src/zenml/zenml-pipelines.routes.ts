import type { Actor, Core, Pipeline } from '@pipewright/core';
import express, { type Request, type Response } from 'express';
import type { RouteSpec } from '../shared/openapi.js';
import { zenmlActor, zenmlPrincipal } from './zenml-auth.js';
import { zenmlDefaultWorkflow } from './zenml-default-workflow.js';
import { ZenmlPipelineRequestDto, ZenmlPipelineUpdateDto, zenmlBody } from './zenml-dtos.js';
import { requestError } from './zenml-errors.js';
import { assertPageExists, pageView } from './zenml-page.js';
import { boolParam, param, uuidPath } from './zenml-params.js';
import { PIPELINE_LIST, listQuery, projectParam, scopeUser } from './zenml-query.js';
import { pipelineRelations } from './zenml-relations.js';
import {
  errorSchema,
  errors,
  hydrateParam,
  listParams,
  pageSchema,
  projectParams,
  responseModel,
} from './zenml-schemas.js';
import { pipelineView } from './zenml-views.js';

const PIPELINE = '/api/v1/pipelines/:pipeline_id';

/** The pipeline named by the path, in whichever of the caller's projects holds it. */
export async function locatePipeline(
  core: Core,
  req: Request,
  res: Response,
): Promise<{ actor: Actor; value: Pipeline }> {
  const principal = await zenmlPrincipal(core, req, res);
  return core.locate.pipeline(principal, uuidPath(req, 'pipeline_id', 'pipeline_id'));
}

async function sendPipeline(
  core: Core,
  res: Response,
  actor: Actor,
  pipeline: Pipeline,
  hydrate: boolean,
): Promise<void> {
  res.json(pipelineView(pipeline, await pipelineRelations(core, actor, [pipeline]), hydrate));
}

/** Pipelines: list with ZenML's filter grammar, create (binding the project's default workflow), get, update tags, delete. */
export function zenmlPipelineRoutes(core: Core): RouteSpec[] {
  const json = express.json({ limit: '1mb' });
  return [
    {
      method: 'get',
      path: '/api/v1/pipelines',
      summary: 'List pipelines',
      description:
        'Filters take `[operator:]value` and may repeat; they are combined by `logical_operator`, while `project`, `scope_user` and `latest_run_*` are always ANDed. Sorted by `created` ascending unless `sort_by` says otherwise.',
      tags: ['pipelines'],
      query: listParams(PIPELINE_LIST, projectParams),
      responses: {
        200: { description: 'A page of pipelines', schema: pageSchema },
        400: { description: 'Page past the end', schema: errorSchema },
        ...errors,
      },
      handler: async (req, res) => {
        await zenmlPrincipal(core, req, res);
        const q = listQuery(req, PIPELINE_LIST, scopeUser(req, 'ownerId'));
        const hydrate = boolParam(req, 'hydrate', false);
        const actor = await zenmlActor(core, req, res, projectParam(req));
        const page = await core.pipelines.list(actor, q);
        assertPageExists(q.page, page.total);
        const rel = await pipelineRelations(core, actor, page.items);
        res.json(
          pageView(
            q.page,
            page.total,
            page.items.map((p) => pipelineView(p, rel, hydrate)),
          ),
        );
      },
    },
    {
      method: 'post',
      path: '/api/v1/pipelines',
      summary: 'Create a pipeline',
      description: `Body: \`{name, description?, tags?, project}\` (\`?project_name_or_id\` replaces \`project\`). Tags are auto-created. The pipeline binds its project's default workflow. 409 when the name is taken in the project.`,
      tags: ['pipelines'],
      body: ZenmlPipelineRequestDto,
      query: { project_name_or_id: { schema: { type: 'string' } } },
      middleware: [json],
      responses: {
        200: { description: 'The new pipeline (hydrated)', schema: responseModel },
        400: { description: 'Exclusive tag', schema: errorSchema },
        409: { description: 'EntityExistsError', schema: errorSchema },
        ...errors,
      },
      handler: async (req, res) => {
        await zenmlPrincipal(core, req, res);
        const dto = zenmlBody(ZenmlPipelineRequestDto, req.body);
        const project = param(req, 'project_name_or_id') ?? dto.project;
        if (!project)
          throw requestError([{ type: 'missing', loc: ['body', 'project'], msg: 'Field required', input: null }]);
        const actor = await zenmlActor(core, req, res, project);
        const workflowId = await zenmlDefaultWorkflow(core, actor);
        // A taken name is ZenML's EntityExistsError, worded by the error table from the conflict.
        const { pipeline } = await core.pipelines.create(actor, {
          name: dto.name,
          description: dto.description ?? null,
          workflowId,
          tags: dto.tags ?? [],
        });
        await sendPipeline(core, res, actor, pipeline, true);
      },
    },
    {
      method: 'get',
      path: PIPELINE,
      summary: 'Get a pipeline',
      tags: ['pipelines'],
      query: hydrateParam(true),
      responses: { 200: { description: 'The pipeline', schema: responseModel }, ...errors },
      handler: async (req, res) => {
        await zenmlPrincipal(core, req, res);
        const hydrate = boolParam(req, 'hydrate', true);
        const { actor, value } = await locatePipeline(core, req, res);
        await sendPipeline(core, res, actor, value, hydrate);
      },
    },
    {
      method: 'put',
      path: PIPELINE,
      summary: 'Update a pipeline',
      description:
        'Body: `{description, add_tags, remove_tags}`, applied in that order. As in ZenML, `description` is always set, so leaving it out clears it. `add_tags` auto-creates tags by name (a UUID must name an existing tag); `remove_tags` skips unknown ones; an exclusive tag is refused (400).',
      tags: ['pipelines'],
      body: ZenmlPipelineUpdateDto,
      middleware: [json],
      responses: {
        200: { description: 'The updated pipeline (hydrated)', schema: responseModel },
        400: { description: 'Exclusive tag', schema: errorSchema },
        403: { description: 'Not an owner', schema: errorSchema },
        ...errors,
      },
      handler: async (req, res) => {
        await zenmlPrincipal(core, req, res);
        const id = uuidPath(req, 'pipeline_id', 'pipeline_id');
        const dto = zenmlBody(ZenmlPipelineUpdateDto, req.body);
        const { actor } = await locatePipeline(core, req, res);
        const pipeline = await core.pipelines.update(actor, id, {
          description: dto.description ?? null,
          addTags: dto.add_tags ?? [],
          removeTags: dto.remove_tags ?? [],
        });
        await sendPipeline(core, res, actor, pipeline, true);
      },
    },
    {
      method: 'delete',
      path: PIPELINE,
      summary: 'Delete a pipeline (with its runs)',
      tags: ['pipelines'],
      responses: {
        200: { description: '`null`' },
        403: { description: 'Not an owner', schema: errorSchema },
        ...errors,
      },
      handler: async (req, res) => {
        const { actor, value } = await locatePipeline(core, req, res);
        await core.pipelines.delete(actor, value.id);
        res.json(null);
      },
    },
  ];
}
