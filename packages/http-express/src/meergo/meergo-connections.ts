import {
  NotFoundError,
  ValidationError,
  pageForIds,
  query,
  type Actor,
  type Connection,
  type Core,
  type Pipeline,
  type Workflow,
} from '@pipewright/core';
import type { RouteSpec } from '../shared/openapi.js';
import { meergoActor } from './meergo-auth.js';
import { forbidBody } from './meergo-body.js';
import type { MeergoConnectorConfig, PipelineToSetDto } from './meergo-dtos.js';
import { pathId } from './meergo-ids.js';
import { err, workspaceHeader } from './meergo-schemas.js';
import { sendJson } from './meergo-views.js';

/** Meergo's connector types for our connection kinds. */
function connectorType(kind: string): string {
  if (kind === 'postgres') return 'Database';
  if (kind === 'filesystem') return 'FileStorage';
  return 'Application';
}

/**
 * A connection as Meergo shows it: `id` is its int id (our `seq`), `connector` its kind,
 * `settings` with every secret masked ("********"), `pipelines` the int ids of the pipelines
 * (visible to the caller) whose workflow names it. Connections serve either role; `role` is
 * the one its kind usually plays (a webhook is a destination).
 */
export function connectionView(c: Connection, pipelines: number[]) {
  return {
    id: c.seq,
    uuid: c.id,
    name: c.name,
    description: c.description,
    connector: c.kind,
    connectorType: connectorType(c.kind),
    role: c.kind === 'webhook' ? 'Destination' : 'Source',
    settings: c.maskedSettings(),
    secretFields: c.secretFields,
    health: 'Healthy',
    pipelines,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

const connectionSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    uuid: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    description: { type: ['string', 'null'] },
    connector: { type: 'string' },
    connectorType: { type: 'string' },
    role: { type: 'string', enum: ['Source', 'Destination'] },
    settings: { type: 'object', description: 'Secrets masked as "********"' },
    secretFields: { type: 'array', items: { type: 'string' } },
    health: { type: 'string' },
    pipelines: { type: 'array', items: { type: 'integer' } },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
  required: ['id', 'name', 'connector', 'role', 'pipelines'],
};

/** Meergo lists connections and their pipelines without paging; this is the most one answer holds. */
const MAX_ROWS = 10_000;

/** The connections a workflow names (source and destination). */
function connectionIdsOf(wf: Workflow): string[] {
  const { source, destination } = wf.definition;
  return [source?.connection, destination?.connection].filter((c): c is string => typeof c === 'string');
}

/** The int ids of the pipelines, per connection id their workflow names. */
function usageMap(pipelines: readonly Pipeline[], workflows: readonly Workflow[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const byWorkflow = new Map(workflows.map((w) => [w.id, connectionIdsOf(w)]));
  for (const p of pipelines)
    for (const connectionId of new Set(byWorkflow.get(p.workflowId) ?? [])) {
      const list = out.get(connectionId) ?? [];
      list.push(p.seq);
      out.set(connectionId, list);
    }
  return out;
}

/** The pipelines the caller can see of these workflows (one query). */
async function pipelinesOf(core: Core, actor: Actor, workflowIds: string[]): Promise<Pipeline[]> {
  const unique = [...new Set(workflowIds)];
  if (!unique.length) return [];
  const page = await core.pipelines.list(
    actor,
    query({
      filters: [{ field: 'workflowId', op: 'oneof', value: unique }],
      sort: [{ field: 'seq', direction: 'asc' }],
      page: { page: 1, size: MAX_ROWS },
    }),
  );
  return page.items;
}

/** The workflows the caller can see among `ids` (one query). */
async function workflowsByIds(core: Core, actor: Actor, ids: string[]): Promise<Workflow[]> {
  const unique = [...new Set(ids)];
  if (!unique.length) return [];
  const page = await core.workflows.list(
    actor,
    query({ filters: [{ field: 'id', op: 'oneof', value: unique }], page: pageForIds(unique.length) }),
  );
  return page.items;
}

export function meergoConnectionRoutes(core: Core): RouteSpec[] {
  const auth = {
    400: err('Bad request'),
    401: err('Unauthorized'),
    403: err('Forbidden'),
    404: err('NotFound: workspace or connection does not exist'),
  };
  return [
    {
      method: 'get',
      path: '/v1/connections',
      summary: "The workspace's connections",
      description:
        'Every connection of the workspace, by name, with the pipelines (int ids) that use it. Secrets are masked.',
      tags: ['connections'],
      headers: workspaceHeader,
      middleware: [forbidBody],
      responses: {
        200: {
          description: '{"connections": [...]}',
          schema: {
            type: 'object',
            properties: { connections: { type: 'array', items: connectionSchema } },
            required: ['connections'],
          },
        },
        ...auth,
      },
      handler: async (req, res) => {
        const actor = await meergoActor(core, req, res);
        const connections = await core.connections.list(
          actor,
          query({ sort: [{ field: 'name', direction: 'asc' }], page: { page: 1, size: MAX_ROWS } }),
        );
        // The pipelines the caller can see and their workflows: two queries for the whole list.
        const pipelines = await core.pipelines.list(
          actor,
          query({ sort: [{ field: 'seq', direction: 'asc' }], page: { page: 1, size: MAX_ROWS } }),
        );
        const workflows = await workflowsByIds(
          core,
          actor,
          pipelines.items.map((p) => p.workflowId),
        );
        const used = usageMap(pipelines.items, workflows);
        sendJson(res, { connections: connections.items.map((c) => connectionView(c, used.get(c.id) ?? [])) });
      },
    },
    {
      method: 'get',
      path: '/v1/connections/:id',
      summary: 'Get a connection',
      description: 'The connection, with the pipelines (int ids) that use it. Secrets are masked.',
      tags: ['connections'],
      headers: workspaceHeader,
      middleware: [forbidBody],
      responses: { 200: { description: 'The connection', schema: connectionSchema }, ...auth },
      handler: async (req, res) => {
        const actor = await meergoActor(core, req, res);
        const connection = await core.connections.getBySeq(actor, pathId(req.params.id, 'connection'));
        const { workflows } = await core.connections.usage(actor, connection.id);
        const visible = await workflowsByIds(
          core,
          actor,
          workflows.map((w) => w.id),
        );
        const used = usageMap(
          await pipelinesOf(
            core,
            actor,
            visible.map((w) => w.id),
          ),
          visible,
        );
        sendJson(res, connectionView(connection, used.get(connection.id) ?? []));
      },
    },
  ];
}

/** A connection named by its int id in a source or destination: its uuid, or a field error. */
async function connectionBySeq(core: Core, actor: Actor, seq: number, field: string): Promise<string> {
  try {
    return (await core.connections.getBySeq(actor, seq)).id;
  } catch (e) {
    if (e instanceof NotFoundError)
      throw ValidationError.field(field, `connection ${seq} does not exist`, 'does_not_exist');
    throw e;
  }
}

async function resolved(
  core: Core,
  actor: Actor,
  c: MeergoConnectorConfig | null | undefined,
  field: string,
): Promise<MeergoConnectorConfig | null | undefined> {
  if (
    !c ||
    typeof c !== 'object' ||
    c.connection === undefined ||
    c.connection === null ||
    typeof c.connection === 'string'
  )
    return c;
  if (!Number.isInteger(c.connection))
    throw ValidationError.field(field, "must be a connection's int id, uuid or name");
  return { ...c, connection: await connectionBySeq(core, actor, c.connection, field) };
}

/**
 * The body with its connections named by int id (Meergo's) turned into uuids: `source.connection`,
 * `destination.connection`, and the top-level `connection`, which is the source's (404 when it does
 * not exist in the workspace, as Meergo answers). Uuids and names are resolved by core.
 */
export async function resolveBodyConnections(
  core: Core,
  actor: Actor,
  dto: PipelineToSetDto,
): Promise<PipelineToSetDto> {
  const out = Object.assign(Object.create(Object.getPrototypeOf(dto) as object) as PipelineToSetDto, dto);
  out.source = await resolved(core, actor, dto.source, 'source.connection');
  out.destination = await resolved(core, actor, dto.destination, 'destination.connection');
  if (dto.connection !== undefined && dto.connection !== null && out.source) {
    const connection = await core.connections.getBySeq(actor, dto.connection);
    const given = out.source.connection;
    // The source may name it too (by uuid or name): it must be the same connection.
    if (given !== undefined && given !== null && given !== connection.id && given !== connection.name)
      throw ValidationError.field('connection', 'connection and source.connection name different connections');
    out.source = { ...out.source, connection: connection.id };
  }
  return out;
}
