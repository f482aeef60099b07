import { NotFoundError, ValidationError, isDomainError, type Actor, type ApiKey, type Core } from '@pipewright/core';
import { parseBody } from '../shared/dto.js';
import type { RouteSpec } from '../shared/openapi.js';
import { requestContext } from './unstract-auth.js';
import { UnstractApiKeyDto, UnstractApiKeyUpdateDto } from './unstract-dtos.js';
import { API_KEY_ATTRS, apiException, attrsFor, inactivePipeline } from './unstract-errors.js';
import { BASE, idParam, responses, type UnstractDeps } from './unstract-http.js';
import { drfMetadata } from './unstract-metadata.js';
import { apiKeyView } from './unstract-views.js';

const K = `${BASE}/api/keys`;
const tags = ['API keys'];
const keyList = { type: 'array', items: { type: 'object' } };

/** The keys routes report a missing pipeline with Unstract's own exception ("Pipeline not found"). */
async function withPipeline<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw isDomainError(e) && e.code === 'NOT_FOUND' ? apiException(404, 'Pipeline not found') : e;
  }
}

/** A pipeline or API deployment key (personal keys are not served here), for the owner of its parent. */
async function pipelineKey(core: Core, actor: Actor, id: string): Promise<ApiKey> {
  const key = await core.apiKeys.getKey(actor, id);
  if (key.kind === 'personal') throw new NotFoundError('API key', id);
  return key;
}

/** Pipeline API keys: list/create per pipeline, read/update/delete one (owner of the pipeline). */
export function apiKeyRoutes({ core }: UnstractDeps): RouteSpec[] {
  const view = (actor: Actor, key: ApiKey, secret?: string) =>
    apiKeyView(key, secret ?? core.apiKeys.reveal(actor, key));
  const routes: RouteSpec[] = [
    {
      method: 'options',
      path: `${K}/pipeline/:pipeline_id/`,
      summary: "Django REST Framework's metadata for a pipeline's key list (fields a POST takes)",
      tags,
      responses: responses({ status: 200, description: 'DRF metadata document' }),
      handler: (_req, res) => {
        res.json(
          drfMetadata({
            name: 'API Key List',
            description: "API keys of a pipeline's public route.",
            dto: UnstractApiKeyDto,
          }),
        );
      },
    },
    {
      method: 'get',
      path: `${K}/pipeline/:pipeline_id/`,
      summary: "A pipeline's API keys (owner; a bare array)",
      tags,
      responses: responses({ status: 200, description: 'Keys', schema: keyList }, 404, 422),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        const { pipeline, keys } = await withPipeline(async () => {
          const pipelineId = idParam(req, 'pipeline_id', 'Pipeline');
          const keys = await core.apiKeys.listPipelineKeys(actor, pipelineId);
          return { pipeline: await core.pipelines.get(actor, pipelineId), keys };
        });
        if (!pipeline.enabled) throw inactivePipeline(pipeline.name);
        res.json(keys.map((k) => view(actor, k)));
      },
    },
    {
      method: 'post',
      path: `${K}/pipeline/:pipeline_id/`,
      summary: 'Create an API key (a UUID) for a pipeline (owner)',
      tags,
      body: UnstractApiKeyDto,
      responses: responses({ status: 201, description: 'The key, with its value' }, 400, 404),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        const dto = parseBody(UnstractApiKeyDto, req.body ?? {});
        // The pipeline is the path's; naming an API deployment as well is "both".
        if (dto.api !== undefined && dto.api !== null && dto.api !== '')
          throw new ValidationError('Only one of `api` or `pipeline` should be set, not both.', 'non_field_errors');
        const issued = await withPipeline(() =>
          core.apiKeys.createPipelineKey(actor, idParam(req, 'pipeline_id', 'Pipeline'), {
            description: dto.description ?? null,
            ...(dto.is_active !== undefined ? { isActive: dto.is_active } : {}),
          }),
        );
        res.status(201).json(view(actor, issued.key, issued.secret));
      },
    },
    {
      method: 'get',
      path: `${K}/:id/`,
      summary: 'Retrieve an API key (owner of its pipeline)',
      tags,
      responses: responses({ status: 200, description: 'The key' }, 404),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        res.json(view(actor, await pipelineKey(core, actor, idParam(req, 'id', 'API key'))));
      },
    },
    {
      method: 'put',
      path: `${K}/:id/`,
      summary: "Update an API key's description or active state (owner of its pipeline)",
      tags,
      body: UnstractApiKeyUpdateDto,
      responses: responses({ status: 200, description: 'The key' }, 400, 404),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        const keyId = idParam(req, 'id', 'API key');
        const dto = parseBody(UnstractApiKeyUpdateDto, req.body ?? {});
        await pipelineKey(core, actor, keyId);
        const key = await core.apiKeys.updateKey(actor, keyId, {
          ...(dto.description !== undefined ? { description: dto.description } : {}),
          ...(dto.is_active !== undefined ? { isActive: dto.is_active } : {}),
        });
        res.json(view(actor, key));
      },
    },
    {
      method: 'delete',
      path: `${K}/:id/`,
      summary: 'Delete an API key (owner of its pipeline)',
      tags,
      responses: responses({ status: 204, description: 'Deleted' }, 404),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        const keyId = idParam(req, 'id', 'API key');
        await pipelineKey(core, actor, keyId);
        await core.apiKeys.deleteKey(actor, keyId);
        res.status(204).end();
      },
    },
  ];
  return routes.map((r) => ({ ...r, middleware: [attrsFor(API_KEY_ATTRS), ...(r.middleware ?? [])] }));
}
