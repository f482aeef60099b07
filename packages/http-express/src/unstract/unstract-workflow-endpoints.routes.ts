import {
  NotFoundError,
  PermissionDeniedError,
  ValidationError,
  isOwner,
  isUuid,
  pageForIds,
  query,
  type Actor,
  type Connection,
  type Core,
  type Workflow,
} from '@pipewright/core';
import { parseBody } from '../shared/dto.js';
import type { JsonSchema, RouteSpec } from '../shared/openapi.js';
import { single } from '../shared/request-url.js';
import { requestContext } from './unstract-auth.js';
import { UnstractWorkflowEndpointDto } from './unstract-dtos.js';
import {
  ENDPOINT_TYPES,
  endpointCandidates,
  endpointChange,
  endpointView,
  roleOf,
  type ConnectionType,
  type EndpointType,
} from './unstract-endpoints.js';
import { ENDPOINT_ATTRS, apiException, attrsFor, endpointAttrs } from './unstract-errors.js';
import { BASE, idParam, objectSchema, responses, type UnstractDeps } from './unstract-http.js';
import { UNPAGINATED_LIMIT } from './unstract-pages.js';

const W = `${BASE}/workflow`;
const E = `${W}/endpoint`;
const tags = ['Workflow endpoints'];

const endpointSchema: JsonSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    workflow: { type: 'string', format: 'uuid' },
    workflow_name: { type: 'string' },
    endpoint_type: { type: 'string', enum: [...ENDPOINT_TYPES] },
    connection_type: { type: 'string', enum: ['', 'FILESYSTEM', 'DATABASE', 'API'] },
    configuration: { type: ['object', 'null'] },
    connector_instance: {
      type: ['object', 'null'],
      description: 'The connection as a connector instance (secrets masked)',
    },
    created_at: { type: 'string', format: 'date-time' },
    modified_at: { type: 'string', format: 'date-time' },
  },
};
const endpointList: JsonSchema = { type: 'array', items: endpointSchema };

/** The workflow an endpoint id stands for, if the caller can see it; else 404 "Not found.". */
async function findEndpoint(core: Core, actor: Actor, id: string): Promise<{ wf: Workflow; type: EndpointType }> {
  for (const { workflowId, type } of endpointCandidates(id)) {
    const wf = await visibleWorkflow(core, actor, workflowId);
    if (wf) return { wf, type };
  }
  throw new NotFoundError('WorkflowEndpoint', id);
}

async function visibleWorkflow(core: Core, actor: Actor, id: string): Promise<Workflow | null> {
  try {
    return await core.workflows.get(actor, id);
  } catch (e) {
    if (e instanceof NotFoundError) return null;
    throw e;
  }
}

/** The connections the workflows' endpoints name (one query); a deleted one is simply absent. */
async function connectionsOf(
  core: Core,
  actor: Actor,
  workflows: readonly Workflow[],
): Promise<Map<string, Connection>> {
  const ids = new Set<string>();
  for (const wf of workflows)
    for (const c of [wf.definition.source, wf.definition.destination])
      if (c?.connection && isUuid(c.connection)) ids.add(c.connection);
  if (!ids.size) return new Map();
  const unique = [...ids];
  const page = await core.connections.list(
    actor,
    query({ filters: [{ field: 'id', op: 'oneof', value: unique }], page: pageForIds(unique.length) }),
  );
  return new Map(page.items.map((c) => [c.id, c]));
}

function rowsOf(
  workflows: readonly Workflow[],
  types: readonly EndpointType[],
  connections: ReadonlyMap<string, Connection>,
) {
  return workflows.flatMap((wf) =>
    types.map((type) => {
      const ref = wf.definition[roleOf(type)]?.connection;
      return endpointView(wf, type, (ref && connections.get(ref)) || null);
    }),
  );
}

/**
 * The connector instance a body names (`connector_instance_id`, or `connector_instance` as an id
 * or the object a GET returned): a connection of the caller's organization, null, or not given.
 * Anything else is DRF's PrimaryKeyRelatedField error on that field.
 */
async function instanceOf(
  core: Core,
  actor: Actor,
  value: unknown,
  field: string,
): Promise<Connection | null | undefined> {
  if (value === undefined || value === null) return value;
  const ref =
    typeof value === 'object' && !Array.isArray(value) && 'id' in value ? (value as { id: unknown }).id : value;
  if (typeof ref !== 'string') {
    const received = Array.isArray(ref)
      ? 'list'
      : typeof ref === 'number'
        ? Number.isInteger(ref)
          ? 'int'
          : 'float'
        : typeof ref === 'boolean'
          ? 'bool'
          : 'dict';
    throw ValidationError.field(field, `Incorrect type. Expected pk value, received ${received}.`, 'incorrect_type');
  }
  try {
    return await core.connections.get(actor, ref);
  } catch (e) {
    if (e instanceof NotFoundError)
      throw ValidationError.field(field, `Invalid pk "${ref}" - object does not exist.`, 'does_not_exist');
    throw e;
  }
}

/**
 * Unstract's workflow endpoints (WorkflowEndpointViewSet) over workflow definitions: a
 * workflow's SOURCE endpoint is its source, its DESTINATION endpoint its destination. Readers
 * of the workflow read them; its owners update them (others: 403; who cannot see it: 404).
 * An update is one `core.workflows.update` of that role of the definition.
 */
export function workflowEndpointRoutes({ core, connectors }: UnstractDeps): RouteSpec[] {
  const routes: RouteSpec[] = [
    {
      method: 'get',
      path: `${E}/`,
      summary: 'The endpoints (SOURCE and DESTINATION) of the workflows the caller can see; a bare array',
      tags,
      query: {
        workflow: { schema: { type: 'string', format: 'uuid' }, description: "Only this workflow's endpoints" },
        endpoint_type: { schema: { type: 'string', enum: [...ENDPOINT_TYPES] } },
        connection_type: {
          schema: { type: 'string', enum: ['FILESYSTEM', 'DATABASE', 'API', 'APPDEPLOYMENT', 'MANUALREVIEW'] },
        },
      },
      responses: responses({
        status: 200,
        description: 'Endpoints, newest workflow first, SOURCE before DESTINATION',
        schema: endpointList,
      }),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        const workflowId = single(req.query.workflow);
        const endpointType = single(req.query.endpoint_type);
        const connectionType = single(req.query.connection_type);
        let workflows: Workflow[];
        if (workflowId) {
          const wf = isUuid(workflowId) ? await visibleWorkflow(core, actor, workflowId) : null;
          workflows = wf ? [wf] : [];
        } else {
          const page = await core.workflows.list(
            actor,
            query({
              sort: [
                { field: 'createdAt', direction: 'desc' },
                { field: 'id', direction: 'asc' },
              ],
              page: { page: 1, size: UNPAGINATED_LIMIT },
            }),
          );
          workflows = page.items;
        }
        const types = endpointType ? ENDPOINT_TYPES.filter((t) => t === endpointType) : ENDPOINT_TYPES;
        const rows = rowsOf(workflows, types, await connectionsOf(core, actor, workflows));
        res.json(connectionType ? rows.filter((r) => r.connection_type === connectionType) : rows);
      },
    },
    {
      method: 'get',
      path: `${E}/:id/`,
      summary: 'Retrieve a workflow endpoint',
      tags,
      responses: responses({ status: 200, description: 'The endpoint', schema: endpointSchema }, 404),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        const { wf, type } = await findEndpoint(core, actor, idParam(req, 'id', 'WorkflowEndpoint'));
        res.json(rowsOf([wf], [type], await connectionsOf(core, actor, [wf]))[0]);
      },
    },
    ...(['put', 'patch'] as const).map((method): RouteSpec => ({
      method,
      path: `${E}/:id/`,
      summary:
        method === 'put'
          ? "Update a workflow endpoint (the workflow's owner): connector_instance_id is required"
          : "Partly update a workflow endpoint (the workflow's owner): connection_type, connector_instance_id, configuration",
      description:
        "Changes the workflow's source (SOURCE) or destination (DESTINATION). A connector instance of another organization, " +
        'or one of the wrong kind, is 400 on connector_instance(_id); a target or credential in configuration is 400 on configuration.<field>.',
      tags,
      body: UnstractWorkflowEndpointDto,
      responses: responses({ status: 200, description: 'The endpoint', schema: endpointSchema }, 400, 404),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        // As DRF: the object is looked up (404) and its permission checked (403) before the body is validated.
        const { wf, type } = await findEndpoint(core, actor, idParam(req, 'id', 'WorkflowEndpoint'));
        if (!isOwner(actor, wf)) throw new PermissionDeniedError();
        const dto = parseBody(UnstractWorkflowEndpointDto, req.body);
        const field = dto.connector_instance_id !== undefined ? 'connector_instance_id' : 'connector_instance';
        const role = roleOf(type);
        res.locals.unstractAttrs = endpointAttrs(role, field);
        if (method === 'put' && dto.connector_instance_id === undefined && dto.connector_instance === undefined)
          throw ValidationError.field('connector_instance_id', 'This field is required.', 'required');
        const connection = await instanceOf(core, actor, dto[field], field);
        const current = wf.definition[role];
        const currentConnection = current?.connection
          ? ((await connectionsOf(core, actor, [wf])).get(current.connection) ?? null)
          : null;
        const config = endpointChange(role, current, currentConnection, {
          ...(dto.connection_type !== undefined
            ? { connectionType: (dto.connection_type ?? '') as ConnectionType }
            : {}),
          ...(connection !== undefined ? { connection } : {}),
          ...(dto.configuration !== undefined ? { configuration: dto.configuration } : {}),
        });
        // One core call: the owner rule, the connection checks and the engine's validation all apply.
        const updated = await core.workflows.update(actor, wf.id, { definition: { [role]: config } });
        const ref = updated.definition[role]?.connection ?? null;
        const shown =
          ref === null
            ? null
            : ref === connection?.id
              ? connection
              : ref === currentConnection?.id
                ? currentConnection
                : null;
        res.json(endpointView(updated, type, shown));
      },
    })),
    {
      method: 'get',
      path: `${E}/:id/settings/`,
      summary: "The JSON Schema of the endpoint's connector settings ({status, schema}; schema null when none is set)",
      tags,
      responses: responses({ status: 200, description: '{status: 200, schema}', schema: objectSchema }, 404),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        const { wf, type } = await findEndpoint(core, actor, idParam(req, 'id', 'WorkflowEndpoint'));
        const role = roleOf(type);
        const name = wf.definition[role]?.connector;
        const info = name ? (connectors?.() ?? []).find((c) => c.kind === role && c.name === name) : undefined;
        res.json({ status: 200, schema: info?.settingsSchema ?? null });
      },
    },
    {
      method: 'get',
      path: `${W}/:id/endpoint/`,
      summary: "The workflow's two endpoints (SOURCE, DESTINATION); a bare array",
      tags,
      responses: responses({ status: 200, description: 'Endpoints', schema: endpointList }, 404),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        const id = String(req.params.id ?? '');
        const wf = isUuid(id) ? await visibleWorkflow(core, actor, id) : null;
        // Unstract's WorkflowDoesNotExistError.
        if (!wf) throw apiException(404, 'Workflow does not exist');
        res.json(rowsOf([wf], ENDPOINT_TYPES, await connectionsOf(core, actor, [wf])));
      },
    },
  ];
  return routes.map((r) => ({ ...r, middleware: [attrsFor(ENDPOINT_ATTRS), ...(r.middleware ?? [])] }));
}
