import {
  NotFoundError,
  ValidationError,
  type Actor,
  type ApiDeployment,
  type ApiDeploymentFields,
  type ApiKey,
} from '@pipewright/core';
import { parseBody } from '../shared/dto.js';
import type { RouteSpec } from '../shared/openapi.js';
import { single } from '../shared/request-url.js';
import {
  UnstractApiDeploymentDto,
  UnstractApiDeploymentPatchDto,
  UnstractDeploymentKeyDto,
} from './unstract-api-deployment-dtos.js';
import { apiDeploymentListRows, apiDeploymentView, createdDeploymentView } from './unstract-api-deployment-views.js';
import { requestContext } from './unstract-auth.js';
import { UnstractShareDto } from './unstract-dtos.js';
import { attrsFor, type AttrMap } from './unstract-errors.js';
import { BASE, idParam, paginatedSchema, responses, type UnstractDeps } from './unstract-http.js';
import { drfMetadata } from './unstract-metadata.js';
import { assertPageExists, pageRequest, paginated } from './unstract-pages.js';
import { sharingChange, UserIntIds } from './unstract-users.js';
import { apiKeyView } from './unstract-views.js';

const D = `${BASE}/api/deployment`;
const K = `${BASE}/api/keys/api`;
const tags = ['API deployments'];

export const API_DEPLOYMENT_ATTRS: AttrMap = {
  apiName: 'api_name',
  displayName: 'display_name',
  workflowId: 'workflow',
  isActive: 'is_active',
  sharedUserIds: 'shared_users',
  sharedToOrg: 'shared_to_org',
};

function changesOf(dto: UnstractApiDeploymentPatchDto): ApiDeploymentFields {
  const changes: ApiDeploymentFields = {};
  if (dto.api_name !== undefined) changes.apiName = dto.api_name;
  if (dto.display_name !== undefined) changes.displayName = dto.display_name;
  if (dto.description !== undefined) changes.description = dto.description;
  if (dto.is_active !== undefined) changes.isActive = dto.is_active;
  if (dto.workflow !== undefined) changes.workflowId = dto.workflow;
  return changes;
}

/** `api/deployment/…` (APIDeploymentViewSet) and the deployment keys under `api/keys/api/…`. */
export function apiDeploymentRoutes({ core, publicUrl, allowedHosts }: UnstractDeps): RouteSpec[] {
  const row = async (actor: Actor, orgSlug: string, d: ApiDeployment) =>
    apiDeploymentView(
      d,
      orgSlug,
      await UserIntIds.load(core, actor, [d.ownerId, ...d.sharedUserIds, d.createdBy, d.modifiedBy]),
    );
  const usersRow = async (actor: Actor, d: ApiDeployment) => {
    const sharing = await core.apiDeployments.sharing(actor, d.id);
    return {
      id: d.id,
      display_name: d.displayName,
      shared_users: sharing.sharedUsers.map((u) => ({ id: u.seq, email: u.email })),
      shared_to_org: sharing.sharedToOrg,
      shared_groups: [],
      co_owners: sharing.owner ? [{ id: sharing.owner.seq, email: sharing.owner.email }] : [],
      created_by: sharing.owner ? { id: sharing.owner.seq, email: sharing.owner.email } : null,
    };
  };
  const keyView = (actor: Actor, key: ApiKey, secret?: string) =>
    apiKeyView(key, secret ?? core.apiKeys.reveal(actor, key));

  const routes: RouteSpec[] = [
    {
      method: 'options',
      path: `${D}/`,
      summary: "Django REST Framework's metadata for the API deployment list (fields a POST takes)",
      tags,
      responses: responses({ status: 200, description: 'DRF metadata document' }),
      handler: (_req, res) => {
        res.json(
          drfMetadata({
            name: 'Api Deployment List',
            description: 'Named APIs over workflows.',
            dto: UnstractApiDeploymentDto,
          }),
        );
      },
    },
    {
      method: 'get',
      path: `${D}/`,
      summary: 'API deployments the caller can see (newest first; filters workflow, api_name, search)',
      tags,
      query: {
        page: { schema: { type: 'integer', minimum: 1 } },
        page_size: { schema: { type: 'integer', minimum: 1 } },
        workflow: { schema: { type: 'string', format: 'uuid' }, description: 'Workflow id' },
        api_name: { schema: { type: 'string' }, description: 'Exact API name' },
        search: { schema: { type: 'string' }, description: 'Display name contains' },
      },
      responses: responses({ status: 200, description: 'A page of API deployments', schema: paginatedSchema }, 404),
      handler: async (req, res) => {
        const { actor, org } = requestContext(res);
        const page = pageRequest(req)!;
        const workflow = single(req.query.workflow);
        const apiName = single(req.query.api_name);
        const search = single(req.query.search);
        const result = await core.apiDeployments.list(
          actor,
          {
            ...(workflow ? { workflowId: workflow } : {}),
            ...(apiName ? { apiName } : {}),
            ...(search ? { search } : {}),
          },
          page,
        );
        assertPageExists(page, result);
        res.json(
          paginated(
            req,
            { publicUrl, allowedHosts },
            page,
            result.total,
            await apiDeploymentListRows(core, actor, org.slug, result.items),
          ),
        );
      },
    },
    {
      method: 'post',
      path: `${D}/`,
      summary:
        'Create an API deployment (and its first key, returned as api_key) over a workflow with a source and a destination',
      tags,
      body: UnstractApiDeploymentDto,
      responses: responses(
        { status: 201, description: '{is_active, id, api_key, api_endpoint, display_name, description, api_name}' },
        400,
      ),
      handler: async (req, res) => {
        const { actor, org } = requestContext(res);
        const dto = parseBody(UnstractApiDeploymentDto, req.body);
        // A taken api_name is worded by the error table (DRF's unique error on api_name).
        const { deployment, key } = await core.apiDeployments.create(actor, {
          workflowId: dto.workflow,
          apiName: dto.api_name,
          ...(dto.display_name !== undefined ? { displayName: dto.display_name } : {}),
          ...(dto.description !== undefined ? { description: dto.description } : {}),
          ...(dto.is_active !== undefined ? { isActive: dto.is_active } : {}),
        });
        res.status(201).json(createdDeploymentView(deployment, org.slug, key.secret));
      },
    },
    {
      method: 'get',
      path: `${D}/:id/`,
      summary: 'Retrieve an API deployment',
      tags,
      responses: responses({ status: 200, description: 'The API deployment' }, 404),
      handler: async (req, res) => {
        const { actor, org } = requestContext(res);
        res.json(
          await row(actor, org.slug, await core.apiDeployments.get(actor, idParam(req, 'id', 'API deployment'))),
        );
      },
    },
    ...(['put', 'patch'] as const).map((method): RouteSpec => ({
      method,
      path: `${D}/:id/`,
      summary: method === 'put' ? 'Update an API deployment (owner)' : 'Partly update an API deployment (owner)',
      tags,
      body: method === 'put' ? UnstractApiDeploymentDto : UnstractApiDeploymentPatchDto,
      responses: responses({ status: 200, description: 'The API deployment' }, 400, 404),
      handler: async (req, res) => {
        const { actor, org } = requestContext(res);
        // As DRF: the object is looked up (404) before the body is validated.
        const id = (await core.apiDeployments.get(actor, idParam(req, 'id', 'API deployment'))).id;
        const dto: UnstractApiDeploymentPatchDto = parseBody<UnstractApiDeploymentPatchDto>(
          method === 'put' ? UnstractApiDeploymentDto : UnstractApiDeploymentPatchDto,
          req.body,
        );
        const deployment = await core.apiDeployments.update(actor, id, changesOf(dto));
        res.json(await row(actor, org.slug, deployment));
      },
    })),
    {
      method: 'delete',
      path: `${D}/:id/`,
      summary: 'Delete an API deployment and its keys (owner)',
      tags,
      responses: responses({ status: 204, description: 'Deleted' }, 404),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        await core.apiDeployments.delete(actor, idParam(req, 'id', 'API deployment'));
        res.status(204).end();
      },
    },
    {
      method: 'get',
      path: `${D}/:id/users/`,
      summary: 'Who the API deployment is shared with',
      tags,
      responses: responses({ status: 200, description: 'Sharing' }, 404),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        res.json(await usersRow(actor, await core.apiDeployments.get(actor, idParam(req, 'id', 'API deployment'))));
      },
    },
    {
      method: 'post',
      path: `${D}/:id/share/`,
      summary: 'Replace who the API deployment is shared with (owner); fields not given are kept',
      tags,
      body: UnstractShareDto,
      responses: responses({ status: 200, description: 'Sharing' }, 400, 404),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        const current = await core.apiDeployments.get(actor, idParam(req, 'id', 'API deployment'));
        const dto = parseBody(UnstractShareDto, req.body ?? {});
        const deployment = await core.apiDeployments.share(actor, current.id, await sharingChange(core, actor, dto));
        res.json(await usersRow(actor, deployment));
      },
    },
    {
      method: 'get',
      path: `${K}/:api_id/`,
      summary: "An API deployment's keys (owner; a bare array)",
      tags,
      responses: responses(
        { status: 200, description: 'Keys', schema: { type: 'array', items: { type: 'object' } } },
        404,
      ),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        const keys = await core.apiDeployments.listKeys(actor, idParam(req, 'api_id', 'API deployment'));
        res.json(keys.map((k) => keyView(actor, k)));
      },
    },
    ...[`${K}/`, `${K}/:api_id/`].map((path): RouteSpec => ({
      method: 'post',
      path,
      summary: 'Create a key for an API deployment (owner); the deployment is `api` in the body or the path',
      tags,
      body: UnstractDeploymentKeyDto,
      responses: responses({ status: 201, description: 'The key (api_key is its plaintext)' }, 400, 404),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        const dto = parseBody(UnstractDeploymentKeyDto, req.body ?? {});
        const api = req.params.api_id ? String(req.params.api_id) : dto.api;
        if (api && dto.pipeline) throw new ValidationError('Only one of `api` or `pipeline` should be set, not both.');
        if (!api) throw new ValidationError('At least one of `api` or `pipeline` must be set.');
        const deployment = await core.apiDeployments.get(actor, api).catch((e: unknown) => {
          throw e instanceof NotFoundError
            ? ValidationError.field('api', `Invalid pk "${api}" - object does not exist.`, 'does_not_exist')
            : e;
        });
        const issued = await core.apiDeployments.createKey(actor, deployment.id, {
          description: dto.description ?? null,
          ...(dto.is_active !== undefined ? { isActive: dto.is_active } : {}),
        });
        res.status(201).json(keyView(actor, issued.key, issued.secret));
      },
    })),
  ];
  return routes.map((r) => ({ ...r, middleware: [attrsFor(API_DEPLOYMENT_ATTRS), ...(r.middleware ?? [])] }));
}
