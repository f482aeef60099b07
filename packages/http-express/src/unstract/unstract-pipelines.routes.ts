import { parseBody } from '../shared/dto.js';
import type { RouteSpec } from '../shared/openapi.js';
import { requestContext } from './unstract-auth.js';
import {
  UnstractExecutePipelineDto,
  UnstractPipelineDto,
  UnstractPipelinePatchDto,
  UnstractShareDto,
} from './unstract-dtos.js';
import { PIPELINE_ATTRS, apiException, attrsFor } from './unstract-errors.js';
import { BASE, idParam, paginatedSchema, responses, type UnstractDeps } from './unstract-http.js';
import { cronOf, pipelineChanges, wantsSharing } from './unstract-inputs.js';
import { drfMetadata } from './unstract-metadata.js';
import { assertPageExists, pageRequest, paginated } from './unstract-pages.js';
import { postmanCollection, publicBase } from './unstract-postman.js';
import { executionListQuery, pipelineListQuery } from './unstract-query.js';
import { pipelineRow, pipelineRows } from './unstract-rows.js';
import { executeView, executionView, usersView } from './unstract-views.js';
import { sharingChange } from './unstract-users.js';

const P = `${BASE}/pipeline`;
const tags = ['Pipelines'];

/** ETL/Task pipelines: CRUD, execute, executions, sharing, Postman collection. */
export function pipelineRoutes({ core, publicUrl, allowedHosts }: UnstractDeps): RouteSpec[] {
  const routes: RouteSpec[] = [
    {
      method: 'options',
      path: `${P}/`,
      summary: "Django REST Framework's metadata for the pipeline list (fields a POST takes)",
      tags,
      responses: responses({ status: 200, description: 'DRF metadata document' }),
      handler: (_req, res) => {
        res.json(
          drfMetadata({
            name: 'Pipeline List',
            description: 'ETL and Task pipelines with scheduling support.',
            dto: UnstractPipelineDto,
          }),
        );
      },
    },
    {
      method: 'get',
      path: `${P}/`,
      summary: 'List the pipelines the caller can see (last run first, never-run last, then newest)',
      tags,
      query: {
        page: { schema: { type: 'integer', minimum: 1, default: 1 } },
        page_size: { schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
        type: { schema: { type: 'string', enum: ['ETL', 'TASK', 'DEFAULT', 'APP'] } },
        workflow: { schema: { type: 'string', format: 'uuid' } },
        search: { schema: { type: 'string' }, description: 'Name contains (case-insensitive)' },
        pipeline_name: { schema: { type: 'string' }, description: 'Exact name' },
        ordering: {
          schema: { type: 'string' },
          description: 'created_at, last_run_time, pipeline_name, run_count; "-" for descending',
        },
      },
      responses: responses({ status: 200, description: 'A page of pipelines', schema: paginatedSchema }, 400, 404),
      handler: async (req, res) => {
        const { actor, org } = requestContext(res);
        const page = pageRequest(req)!;
        const result = await core.pipelines.list(actor, pipelineListQuery(req, page));
        assertPageExists(page, result);
        const rows = await pipelineRows(core, actor, result.items, { orgSlug: org.slug, detailed: true });
        res.json(paginated(req, { publicUrl, allowedHosts }, page, result.total, rows));
      },
    },
    {
      method: 'post',
      path: `${P}/`,
      summary: 'Create a pipeline: active, scheduled when cron_string is given, owned by the caller, with an API key',
      tags,
      body: UnstractPipelineDto,
      responses: responses({ status: 201, description: 'The pipeline' }, 400),
      handler: async (req, res) => {
        const { actor, org } = requestContext(res);
        const dto = parseBody(UnstractPipelineDto, req.body);
        const cron = cronOf(dto.cron_string);
        const { pipeline, key } = await core.pipelines.create(actor, {
          name: dto.pipeline_name,
          workflowId: dto.workflow,
          ...(dto.pipeline_type ? { type: dto.pipeline_type } : {}),
          enabled: true,
          ...(cron ? { schedule: { cron } } : {}),
          keyDescription: (name) => `API Key for ${name}`,
        });
        res.status(201).json(await pipelineRow(core, actor, pipeline, { orgSlug: org.slug, detailed: true }));
      },
    },
    {
      method: 'post',
      path: `${P}/execute/`,
      summary: 'Run a pipeline now; returns the pipeline and the execution',
      tags,
      body: UnstractExecutePipelineDto,
      responses: responses({ status: 200, description: '{pipeline, execution}' }, 400, 404, 409, 422),
      handler: async (req, res) => {
        const { actor, org } = requestContext(res);
        const dto = parseBody(UnstractExecutePipelineDto, req.body);
        // A disabled pipeline's error carries its name: the error table words it as Unstract does.
        const run = await core.runs.trigger(actor, dto.pipeline_id, { trigger: 'manual' });
        const fresh = await core.pipelines.get(actor, run.pipelineId!);
        res.json({
          pipeline: await pipelineRow(core, actor, fresh, { orgSlug: org.slug, detailed: true }),
          execution: executeView(run),
        });
      },
    },
    {
      method: 'get',
      path: `${P}/api/postman_collection/:id/`,
      summary: "A Postman v2.1 collection calling the pipeline's public API with its active key (attachment)",
      tags,
      responses: responses({ status: 200, description: 'Postman collection (attachment {name}.json)' }, 400, 404),
      handler: async (req, res) => {
        const { actor, org } = requestContext(res);
        const pipeline = await core.pipelines.get(actor, idParam(req, 'id', 'Pipeline'));
        const keys = await core.apiKeys.listPipelineKeys(actor, pipeline.id);
        const now = new Date();
        const secret = keys
          .filter((k) => k.isUsable(now))
          .map((k) => core.apiKeys.reveal(actor, k))
          .find((s) => s !== null);
        if (!secret) throw apiException(400, `No active API keys configured for ${pipeline.name}`);
        res.attachment(`${pipeline.name}.json`);
        res.json(
          postmanCollection({
            name: pipeline.name,
            base: publicBase(req, publicUrl, allowedHosts),
            orgSlug: org.slug,
            pipelineId: pipeline.id,
            key: secret,
          }),
        );
      },
    },
    {
      method: 'get',
      path: `${P}/:id/`,
      summary: 'Retrieve a pipeline',
      tags,
      responses: responses({ status: 200, description: 'The pipeline' }, 404),
      handler: async (req, res) => {
        const { actor, org } = requestContext(res);
        const pipeline = await core.pipelines.get(actor, idParam(req, 'id', 'Pipeline'));
        res.json(await pipelineRow(core, actor, pipeline, { orgSlug: org.slug, detailed: true }));
      },
    },
    ...(['put', 'patch'] as const).map((method): RouteSpec => ({
      method,
      path: `${P}/:id/`,
      summary:
        method === 'put' ? 'Update a pipeline (owner); reschedules' : 'Partly update a pipeline (owner); reschedules',
      tags,
      body: method === 'put' ? UnstractPipelineDto : UnstractPipelinePatchDto,
      responses: responses({ status: 200, description: 'The pipeline' }, 400, 404),
      handler: async (req, res) => {
        const { actor, org } = requestContext(res);
        const pipelineId = idParam(req, 'id', 'Pipeline');
        // As DRF: the object is looked up (404) before the body is validated.
        const current = await core.pipelines.get(actor, pipelineId);
        const dto: UnstractPipelinePatchDto = parseBody<UnstractPipelinePatchDto>(
          method === 'put' ? UnstractPipelineDto : UnstractPipelinePatchDto,
          req.body,
        );
        const changes = pipelineChanges(current, dto);
        if (wantsSharing(dto)) changes.sharing = await sharingChange(core, actor, dto);
        const pipeline = await core.pipelines.update(actor, pipelineId, changes);
        res.json(await pipelineRow(core, actor, pipeline, { orgSlug: org.slug, detailed: false }));
      },
    })),
    {
      method: 'delete',
      path: `${P}/:id/`,
      summary: 'Delete a pipeline and its scheduler job (owner)',
      tags,
      responses: responses({ status: 204, description: 'Deleted' }, 404),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        await core.pipelines.delete(actor, idParam(req, 'id', 'Pipeline'));
        res.status(204).end();
      },
    },
    {
      method: 'get',
      path: `${P}/:id/executions/`,
      summary: "A pipeline's executions, newest first (owner)",
      tags,
      query: {
        page: { schema: { type: 'integer', minimum: 1, default: 1 } },
        page_size: { schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
        start_date: {
          schema: { type: 'string', format: 'date-time' },
          description: 'With end_date: created at or after',
        },
        end_date: {
          schema: { type: 'string', format: 'date-time' },
          description: 'With start_date: created at or before',
        },
      },
      responses: responses({ status: 200, description: 'A page of executions', schema: paginatedSchema }, 400, 404),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        const pipelineId = idParam(req, 'id', 'Pipeline');
        const page = pageRequest(req)!;
        const result = await core.runs.listForPipeline(actor, pipelineId, executionListQuery(req, page));
        assertPageExists(page, result);
        res.json(paginated(req, { publicUrl, allowedHosts }, page, result.total, result.items.map(executionView)));
      },
    },
    {
      method: 'get',
      path: `${P}/:id/users/`,
      summary: 'Who the pipeline is shared with',
      tags,
      responses: responses({ status: 200, description: 'Sharing' }, 404),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        const pipeline = await core.pipelines.get(actor, idParam(req, 'id', 'Pipeline'));
        res.json(usersView(pipeline, 'pipeline', await core.pipelines.sharing(actor, pipeline.id)));
      },
    },
    {
      method: 'post',
      path: `${P}/:id/share/`,
      summary: 'Replace who the pipeline is shared with (owner); fields not given are kept',
      tags,
      body: UnstractShareDto,
      responses: responses({ status: 200, description: 'Sharing' }, 400, 404),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        const pipelineId = idParam(req, 'id', 'Pipeline');
        // As DRF: the object is looked up (404) before the body is validated.
        await core.pipelines.get(actor, pipelineId);
        const dto = parseBody(UnstractShareDto, req.body ?? {});
        const pipeline = await core.pipelines.share(actor, pipelineId, await sharingChange(core, actor, dto));
        res.json(usersView(pipeline, 'pipeline', await core.pipelines.sharing(actor, pipeline.id)));
      },
    },
  ];
  return routes.map((r) => ({ ...r, middleware: [attrsFor(PIPELINE_ATTRS), ...(r.middleware ?? [])] }));
}
