import { isDomainError } from '@pipewright/core';
import { parseBody } from '../shared/dto.js';
import type { RouteSpec } from '../shared/openapi.js';
import { single } from '../shared/request-url.js';
import { requestContext } from './unstract-auth.js';
import { UnstractShareDto, UnstractWorkflowDto, UnstractWorkflowPatchDto } from './unstract-dtos.js';
import { WORKFLOW_ATTRS, attrsFor } from './unstract-errors.js';
import { BASE, idParam, objectSchema, paginatedSchema, responses, type UnstractDeps } from './unstract-http.js';
import { newWorkflow, wantsSharing, workflowChanges } from './unstract-inputs.js';
import { drfMetadata } from './unstract-metadata.js';
import { UNPAGINATED_LIMIT, assertPageExists, pageRequest, paginated } from './unstract-pages.js';
import { workflowListQuery } from './unstract-query.js';
import { workflowRow, workflowRows } from './unstract-rows.js';
import { connectorSettingsSchema } from './unstract-schema.js';
import { usersView } from './unstract-views.js';
import { sharingChange } from './unstract-users.js';

const W = `${BASE}/workflow`;
const tags = ['Workflows'];
const pageQuery = {
  page: { schema: { type: 'integer', minimum: 1 } },
  page_size: { schema: { type: 'integer', minimum: 1, maximum: 1000 } },
};

/** Workflows: CRUD, activation, can-update, file marker, schema, sharing. */
/** A user id no user has (the nil UUID). */
const NOBODY = '00000000-0000-0000-0000-000000000000';

export function workflowRoutes({ core, publicUrl, allowedHosts, connectors }: UnstractDeps): RouteSpec[] {
  const routes: RouteSpec[] = [
    {
      method: 'options',
      path: `${W}/`,
      summary: "Django REST Framework's metadata for the workflow list (fields a POST takes)",
      tags,
      responses: responses({ status: 200, description: 'DRF metadata document' }),
      handler: (_req, res) => {
        res.json(
          drfMetadata({
            name: 'Workflow List',
            description: 'Workflows: source, stages and destination.',
            dto: UnstractWorkflowDto,
          }),
        );
      },
    },
    {
      method: 'get',
      path: `${W}/`,
      summary: 'List the workflows the caller can see (last modified first); paginated when page or page_size is given',
      tags,
      query: {
        ...pageQuery,
        workflow_owner: { schema: { type: 'string' }, description: "The owner's int id (a UUID is accepted too)" },
        is_active: { schema: { type: 'boolean' } },
        workflow_name: { schema: { type: 'string' }, description: 'Exact name' },
        search: { schema: { type: 'string' }, description: 'Name contains' },
      },
      responses: responses(
        { status: 200, description: 'Workflows (a bare array without paging parameters)', schema: paginatedSchema },
        400,
        404,
      ),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        const page = pageRequest(req, { optional: true });
        const owner = single(req.query.workflow_owner);
        // An int id names a member (Unstract's user ids); one that names nobody matches nothing.
        const ownerId =
          owner && /^\d{1,10}$/.test(owner)
            ? ((await core.admin.membersBySeq(actor, [Number(owner)]))[0]?.id ?? NOBODY)
            : undefined;
        const result = await core.workflows.list(
          actor,
          workflowListQuery(req, page ?? { page: 1, size: UNPAGINATED_LIMIT }, ownerId),
        );
        const rows = await workflowRows(core, actor, result.items);
        if (!page) return void res.json(rows);
        assertPageExists(page, result);
        res.json(paginated(req, { publicUrl, allowedHosts }, page, result.total, rows));
      },
    },
    {
      method: 'post',
      path: `${W}/`,
      summary: 'Create a workflow (active, owned by the caller); only workflow_name is required',
      tags,
      body: UnstractWorkflowDto,
      responses: responses({ status: 201, description: 'The workflow' }, 400),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        const dto = parseBody(UnstractWorkflowDto, req.body);
        const wf = await core.workflows.create(actor, newWorkflow(dto));
        res.status(201).json(await workflowRow(core, actor, wf));
      },
    },
    {
      method: 'get',
      path: `${W}/schema/`,
      summary: 'JSON Schema of source (type=src) or destination (type=dest) settings, one branch per engine connector',
      tags,
      query: {
        type: { schema: { type: 'string', enum: ['src', 'dest'], default: 'src' } },
        entity: { schema: { type: 'string', enum: ['file', 'api', 'db'] } },
      },
      responses: responses({ status: 200, description: 'JSON Schema' }, 400),
      handler: (req, res) => {
        res.json(connectorSettingsSchema(single(req.query.type), single(req.query.entity), connectors?.() ?? []));
      },
    },
    {
      method: 'put',
      path: `${W}/active/:id/`,
      summary: "Toggle the workflow's active state (owner)",
      tags,
      responses: responses({ status: 200, description: 'The workflow' }, 404),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        const current = await core.workflows.get(actor, idParam(req, 'id', 'Workflow'));
        const wf = await core.workflows.setActive(actor, current.id, !current.isActive);
        res.json(await workflowRow(core, actor, wf));
      },
    },
    {
      method: 'get',
      path: `${W}/:id/`,
      summary: 'Retrieve a workflow',
      tags,
      responses: responses({ status: 200, description: 'The workflow' }, 404),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        res.json(await workflowRow(core, actor, await core.workflows.get(actor, idParam(req, 'id', 'Workflow'))));
      },
    },
    ...(['put', 'patch'] as const).map((method): RouteSpec => ({
      method,
      path: `${W}/:id/`,
      summary:
        method === 'put'
          ? 'Update a workflow (owner)'
          : 'Partly update a workflow (owner); shared_users/shared_to_org share it',
      tags,
      body: method === 'put' ? UnstractWorkflowDto : UnstractWorkflowPatchDto,
      responses: responses({ status: 200, description: 'The workflow' }, 400, 404),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        // As DRF: the object is looked up (404) before the body is validated.
        const workflowId = (await core.workflows.get(actor, idParam(req, 'id', 'Workflow'))).id;
        const dto: UnstractWorkflowPatchDto = parseBody<UnstractWorkflowPatchDto>(
          method === 'put' ? UnstractWorkflowDto : UnstractWorkflowPatchDto,
          req.body,
        );
        const changes = workflowChanges(dto);
        if (wantsSharing(dto)) changes.sharing = await sharingChange(core, actor, dto);
        const wf = await core.workflows.update(actor, workflowId, changes);
        res.json(await workflowRow(core, actor, wf));
      },
    })),
    {
      method: 'delete',
      path: `${W}/:id/`,
      summary: 'Delete a workflow (owner); refused while pipelines use it',
      tags,
      responses: responses({ status: 204, description: 'Deleted' }, 404, 409),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        await core.workflows.delete(actor, idParam(req, 'id', 'Workflow'));
        res.status(204).end();
      },
    },
    {
      method: 'get',
      path: `${W}/:id/can-update/`,
      summary: 'Whether the caller may update the workflow, and the pipelines that use it',
      tags,
      responses: responses(
        { status: 200, description: '{can_update, pipelines, api_names, pipeline_count, api_count}' },
        404,
      ),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        const usage = await core.workflows.usage(actor, idParam(req, 'id', 'Workflow'));
        res.json({
          can_update: usage.canUpdate,
          pipelines: usage.pipelines.map((p) => ({ id: p.id, pipeline_name: p.name })),
          api_names: [],
          pipeline_count: usage.pipelines.length,
          api_count: 0,
        });
      },
    },
    {
      method: 'get',
      path: `${W}/:id/clear-file-marker/`,
      summary: "Clear the workflow's file history so its files are processed again (owner)",
      tags,
      responses: responses(
        { status: 200, description: '"File marker cleared successfully."', schema: { type: 'string' } },
        400,
        404,
      ),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        const workflowId = idParam(req, 'id', 'Workflow');
        try {
          await core.fileHistories.clearAll(actor, workflowId);
        } catch (e) {
          // Unstract answers any failure other than access with a bare message.
          if (isDomainError(e)) throw e;
          return void res.status(400).json('Failed to clear file marker.');
        }
        res.json('File marker cleared successfully.');
      },
    },
    {
      method: 'get',
      path: `${W}/:id/users/`,
      summary: 'Who the workflow is shared with',
      tags,
      responses: responses({ status: 200, description: 'Sharing' }, 404),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        const wf = await core.workflows.get(actor, idParam(req, 'id', 'Workflow'));
        res.json(usersView(wf, 'workflow', await core.workflows.sharing(actor, wf.id)));
      },
    },
    {
      method: 'post',
      path: `${W}/:id/share/`,
      summary: 'Replace who the workflow is shared with (owner); fields not given are kept',
      tags,
      body: UnstractShareDto,
      responses: responses({ status: 200, description: 'Sharing', schema: objectSchema }, 400, 404),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        const workflowId = idParam(req, 'id', 'Workflow');
        // As DRF: the object is looked up (404) before the body is validated.
        await core.workflows.get(actor, workflowId);
        const dto = parseBody(UnstractShareDto, req.body ?? {});
        const wf = await core.workflows.share(actor, workflowId, await sharingChange(core, actor, dto));
        res.json(usersView(wf, 'workflow', await core.workflows.sharing(actor, wf.id)));
      },
    },
  ];
  return routes.map((r) => ({ ...r, middleware: [attrsFor(WORKFLOW_ATTRS), ...(r.middleware ?? [])] }));
}
