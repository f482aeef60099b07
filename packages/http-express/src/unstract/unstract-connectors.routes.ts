import { ValidationError, query, type Connection, type ConnectionField, type Filter } from '@pipewright/core';
import { mergedSettings } from '../shared/connection-settings.js';
import type { Response } from 'express';
import { parseBody } from '../shared/dto.js';
import type { RouteSpec } from '../shared/openapi.js';
import { single } from '../shared/request-url.js';
import { requestContext } from './unstract-auth.js';
import { UnstractConnectorDto, UnstractConnectorPatchDto } from './unstract-dtos.js';
import { CONNECTOR_ATTRS, attrsFor } from './unstract-errors.js';
import { BASE, idParam, paginatedSchema, responses, type UnstractDeps } from './unstract-http.js';
import { drfMetadata } from './unstract-metadata.js';
import { assertPageExists, pageRequest, paginated } from './unstract-pages.js';
import { UserIntIds } from './unstract-users.js';
import { connectorInstanceView } from './unstract-views.js';

const CN = `${BASE}/connector`;
const tags = ['Connectors'];

/** Unstract's connector ids that name one of our kinds differently. */
const KIND_ALIASES: Record<string, string> = { postgresql: 'postgres', http: 'webhook', local_storage: 'filesystem' };

/** The connection kind a `connector_id` names: `postgres`, or Unstract's `postgresql|<uuid>`. */
export function kindOfConnectorId(connectorId: string): string {
  const base = connectorId.split('|')[0]!.trim();
  return KIND_ALIASES[base.toLowerCase()] ?? base;
}

/** Unstract's metadata names that are ours under another name (`connection_url` → `connectionString`). */
function settingsOf(metadata: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(metadata ?? {}) };
  if (out.connection_url !== undefined && out.connectionString === undefined) {
    out.connectionString = out.connection_url;
    delete out.connection_url;
  }
  return out;
}

function assertSameKind(current: Connection, connectorId: string | undefined): void {
  if (connectorId !== undefined && kindOfConnectorId(connectorId) !== current.kind)
    throw ValidationError.field('kind', `A connector's type cannot change: this one is "${current.kind}".`);
}

/**
 * Connector instances (our connections): every member lists and reads them, secrets masked;
 * org admins create, update and delete them (others: 403 permission_denied).
 */
export function connectorRoutes({ core, publicUrl, allowedHosts }: UnstractDeps): RouteSpec[] {
  /** One connector instance, its authors shown by int id. */
  const connectorRow = async (res: Response, c: Connection) => {
    const { actor, org } = requestContext(res);
    return connectorInstanceView(c, org.id, await UserIntIds.load(core, actor, [c.createdBy, c.modifiedBy]));
  };
  const routes: RouteSpec[] = [
    {
      method: 'options',
      path: `${CN}/`,
      summary: "Django REST Framework's metadata for the connector list (fields a POST takes)",
      tags,
      responses: responses({ status: 200, description: 'DRF metadata document' }),
      handler: (_req, res) => {
        res.json(
          drfMetadata({
            name: 'Connector Instance List',
            description: "Connector instances: the organization's connections.",
            dto: UnstractConnectorDto,
          }),
        );
      },
    },
    {
      method: 'get',
      path: `${CN}/`,
      summary: "The organization's connector instances (connections), by name; secrets masked",
      tags,
      query: {
        page: { schema: { type: 'integer', minimum: 1, default: 1 } },
        page_size: { schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
        connector_name: { schema: { type: 'string' }, description: 'Exact name' },
        connector_id: { schema: { type: 'string' }, description: 'Only this kind (postgres, webhook, filesystem …)' },
        search: { schema: { type: 'string' }, description: 'Name contains (case-insensitive)' },
      },
      responses: responses({ status: 200, description: 'A page of connectors', schema: paginatedSchema }, 400, 404),
      handler: async (req, res) => {
        const { actor, org } = requestContext(res);
        const page = pageRequest(req)!;
        const filters: Filter<ConnectionField>[] = [];
        const name = single(req.query.connector_name);
        const kind = single(req.query.connector_id);
        const search = single(req.query.search);
        if (name) filters.push({ field: 'name', op: 'equals', value: name });
        if (kind) filters.push({ field: 'kind', op: 'equals', value: kindOfConnectorId(kind) });
        if (search) filters.push({ field: 'search', op: 'contains', value: search });
        const result = await core.connections.list(
          actor,
          query({ filters, sort: [{ field: 'name', direction: 'asc' }], page }),
        );
        assertPageExists(page, result);
        const users = await UserIntIds.load(
          core,
          actor,
          result.items.flatMap((c) => [c.createdBy, c.modifiedBy]),
        );
        res.json(
          paginated(
            req,
            { publicUrl, allowedHosts },
            page,
            result.total,
            result.items.map((c) => connectorInstanceView(c, org.id, users)),
          ),
        );
      },
    },
    {
      method: 'post',
      path: `${CN}/`,
      summary: 'Create a connector instance (org admins); its target must pass the egress policy',
      tags,
      body: UnstractConnectorDto,
      responses: responses({ status: 201, description: 'The connector (secrets masked)' }, 400),
      handler: async (req, res) => {
        const { actor, org } = requestContext(res);
        const dto = parseBody(UnstractConnectorDto, req.body);
        const connection = await core.connections.create(actor, {
          name: dto.connector_name,
          kind: kindOfConnectorId(dto.connector_id),
          description: dto.description ?? null,
          settings: settingsOf(dto.connector_metadata),
        });
        res.status(201).json(await connectorRow(res, connection));
      },
    },
    {
      method: 'get',
      path: `${CN}/:id/`,
      summary: 'Retrieve a connector instance (secrets masked)',
      tags,
      responses: responses({ status: 200, description: 'The connector' }, 404),
      handler: async (req, res) => {
        const { actor, org } = requestContext(res);
        res.json(await connectorRow(res, await core.connections.get(actor, idParam(req, 'id', 'Connection'))));
      },
    },
    ...(['put', 'patch'] as const).map((method): RouteSpec => ({
      method,
      path: `${CN}/:id/`,
      summary:
        method === 'put'
          ? 'Update a connector instance (org admins); a secret sent back as "********" or left out keeps its value'
          : 'Partly update a connector instance (org admins); connector_metadata is merged, null removes a field',
      tags,
      body: method === 'put' ? UnstractConnectorDto : UnstractConnectorPatchDto,
      responses: responses({ status: 200, description: 'The connector (secrets masked)' }, 400, 404),
      handler: async (req, res) => {
        const { actor, org } = requestContext(res);
        // As DRF: the object is looked up (404) before the body is validated.
        const current = await core.connections.get(actor, idParam(req, 'id', 'Connection'));
        const dto: UnstractConnectorPatchDto = parseBody<UnstractConnectorPatchDto>(
          method === 'put' ? UnstractConnectorDto : UnstractConnectorPatchDto,
          req.body,
        );
        assertSameKind(current, dto.connector_id);
        const metadata = dto.connector_metadata === undefined ? undefined : settingsOf(dto.connector_metadata);
        // As DRF: a field not given stays (PUT too); PUT replaces the metadata given, PATCH merges it.
        const settings =
          metadata === undefined ? undefined : method === 'put' ? metadata : mergedSettings(current, metadata);
        const connection = await core.connections.update(actor, current.id, {
          ...(dto.connector_name !== undefined ? { name: dto.connector_name } : {}),
          ...(dto.description !== undefined ? { description: dto.description } : {}),
          ...(settings !== undefined ? { settings } : {}),
        });
        res.json(await connectorRow(res, connection));
      },
    })),
    {
      method: 'delete',
      path: `${CN}/:id/`,
      summary: 'Delete a connector instance (org admins); workflows naming it fail their next run',
      tags,
      responses: responses({ status: 204, description: 'Deleted' }, 404),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        await core.connections.delete(actor, idParam(req, 'id', 'Connection'));
        res.status(204).end();
      },
    },
  ];
  return routes.map((r) => ({ ...r, middleware: [attrsFor(CONNECTOR_ATTRS), ...(r.middleware ?? [])] }));
}
