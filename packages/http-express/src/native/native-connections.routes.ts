import {
  NotFoundError,
  PermissionDeniedError,
  ValidationError,
  query,
  type Actor,
  type Core,
  type Filter,
} from '@pipewright/core';
import type { Request, Response } from 'express';
import { authenticate } from '../shared/bearer.js';
import { mergedSettings } from '../shared/connection-settings.js';
import { parseBody } from '../shared/dto.js';
import type { RouteSpec } from '../shared/openapi.js';
import { single } from '../shared/request-url.js';
import type { ConnectionKindInfo } from '../shared/route-set.js';
import { CreateConnectionDto, TestConnectionDto, UpdateConnectionDto } from './native-connection-dtos.js';
import { connectionView, decodeCursor, encodeCursor } from './native-views.js';

const BASE = '/admin/api/v1';
const C = `${BASE}/organizations/:slug/connections`;
const obj = { type: 'object' };
const problem = { description: 'Problem (RFC 9457)', schema: obj, contentType: 'application/problem+json' };
const tags = ['Connections'];
const testResult = {
  description: 'The outcome: {ok: true, message} or {ok: false, error} (the target was tried either way)',
  schema: {
    oneOf: [
      { type: 'object', properties: { ok: { const: true }, message: { type: 'string' } }, required: ['ok', 'message'] },
      { type: 'object', properties: { ok: { const: false }, error: { type: 'string' } }, required: ['ok', 'error'] },
    ],
  },
};

/**
 * The actor in the organization of the path. Pipeline keys do not manage connections; an
 * organization the caller is not a member of reads as unknown (404), so slugs do not leak.
 */
async function orgActor(core: Core, req: Request, res: Response): Promise<Actor> {
  const principal = await authenticate(core, req, res);
  if (principal.via === 'pipeline-key') throw new NotFoundError('Route');
  try {
    return await core.auth.actorFor(principal, { slug: String(req.params.slug) });
  } catch (e) {
    if (e instanceof PermissionDeniedError) throw new NotFoundError('Organization', String(req.params.slug));
    throw e;
  }
}

/**
 * An organization's connections (credentials and targets): admins create, change, rotate,
 * test and delete them; every member sees them with their secrets masked.
 */
export function connectionRoutes(core: Core, kinds: () => ConnectionKindInfo[] = () => []): RouteSpec[] {
  return [
    {
      method: 'get',
      path: `${BASE}/connection-kinds`,
      summary: 'The connection kinds the engine knows, with the JSON Schema of their settings and their secret fields',
      tags,
      responses: {
        200: { description: '{items: [{name, description, settings_schema, secret_fields}]}', schema: obj },
        401: problem,
      },
      handler: async (req, res) => {
        await authenticate(core, req, res);
        res.json({
          items: kinds().map((k) => ({
            name: k.name,
            description: k.description ?? null,
            settings_schema: k.settingsSchema,
            secret_fields: [...k.secretFields],
          })),
        });
      },
    },
    {
      method: 'get',
      path: C,
      summary: "The organization's connections, by name (secrets masked); any member",
      tags,
      query: {
        kind: { schema: { type: 'string' }, description: 'Only connections of this kind' },
        search: { schema: { type: 'string' }, description: 'Name contains (case-insensitive)' },
        cursor: { schema: { type: 'string' } },
        limit: { schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
      },
      responses: {
        200: { description: '{items, total, next_cursor}', schema: obj },
        400: problem,
        401: problem,
        404: problem,
      },
      handler: async (req, res) => {
        const actor = await orgActor(core, req, res);
        const page = decodeCursor(single(req.query.cursor));
        const size = Number(single(req.query.limit) ?? 100);
        if (!Number.isInteger(page)) throw ValidationError.field('cursor', 'Invalid cursor.');
        if (!Number.isInteger(size) || size < 1 || size > 1000)
          throw ValidationError.field('limit', 'Must be an integer from 1 to 1000.');
        const filters: Filter<'kind' | 'search'>[] = [];
        const kind = single(req.query.kind);
        const search = single(req.query.search);
        if (kind) filters.push({ field: 'kind', op: 'equals', value: kind });
        if (search) filters.push({ field: 'search', op: 'contains', value: search });
        const result = await core.connections.list(
          actor,
          query({ filters, sort: [{ field: 'name', direction: 'asc' }], page: { page, size } }),
        );
        res.json({
          items: result.items.map((c) => connectionView(c)),
          total: result.total,
          next_cursor: page * size < result.total ? encodeCursor(page + 1) : null,
        });
      },
    },
    {
      method: 'post',
      path: C,
      summary: 'Create a connection (org admins); its target must pass the egress policy',
      tags,
      body: CreateConnectionDto,
      responses: {
        201: { description: 'The connection (secrets masked)', schema: obj },
        400: problem,
        401: problem,
        403: problem,
        404: problem,
        409: problem,
      },
      handler: async (req, res) => {
        const actor = await orgActor(core, req, res);
        const dto = parseBody(CreateConnectionDto, req.body);
        const connection = await core.connections.create(actor, {
          name: dto.name,
          kind: dto.kind,
          description: dto.description ?? null,
          settings: dto.settings ?? {},
        });
        res.status(201).json(connectionView(connection));
      },
    },
    {
      method: 'post',
      path: `${C}/test`,
      summary: 'Test settings that are not saved yet (org admins): reaches the target within a timeout',
      tags,
      body: TestConnectionDto,
      responses: { 200: testResult, 400: problem, 401: problem, 403: problem, 404: problem },
      handler: async (req, res) => {
        const actor = await orgActor(core, req, res);
        const dto = parseBody(TestConnectionDto, req.body);
        res.json(await core.connections.testSettings(actor, { kind: dto.kind, settings: dto.settings ?? {} }));
      },
    },
    {
      method: 'get',
      path: `${C}/:id`,
      summary: 'A connection (secrets masked) and the workflows that name it; any member',
      tags,
      responses: { 200: { description: 'The connection', schema: obj }, 401: problem, 404: problem },
      handler: async (req, res) => {
        const actor = await orgActor(core, req, res);
        const { connection, workflows } = await core.connections.usage(actor, String(req.params.id));
        res.json(connectionView(connection, { workflows }));
      },
    },
    {
      method: 'patch',
      path: `${C}/:id`,
      summary:
        'Change a connection (org admins): fields left out stay; settings are merged — a secret sent as "********" or left out keeps its value, a new one rotates it, null removes it',
      tags,
      body: UpdateConnectionDto,
      responses: {
        200: { description: 'The connection (secrets masked)', schema: obj },
        400: problem,
        401: problem,
        403: problem,
        404: problem,
        409: problem,
      },
      handler: async (req, res) => {
        const actor = await orgActor(core, req, res);
        const current = await core.connections.get(actor, String(req.params.id));
        const dto = parseBody(UpdateConnectionDto, req.body);
        const connection = await core.connections.update(actor, current.id, {
          ...(dto.name !== undefined ? { name: dto.name } : {}),
          ...(dto.description !== undefined ? { description: dto.description } : {}),
          ...(dto.settings !== undefined ? { settings: mergedSettings(current, dto.settings) } : {}),
        });
        res.json(connectionView(connection));
      },
    },
    {
      method: 'delete',
      path: `${C}/:id`,
      summary: 'Delete a connection (org admins); workflows naming it fail their next run, touching nothing',
      tags,
      responses: { 204: { description: 'Deleted' }, 401: problem, 403: problem, 404: problem },
      handler: async (req, res) => {
        const actor = await orgActor(core, req, res);
        await core.connections.delete(actor, String(req.params.id));
        res.status(204).end();
      },
    },
    {
      method: 'post',
      path: `${C}/:id/test`,
      summary: 'Test a saved connection (org admins): reaches its target within a timeout',
      tags,
      responses: { 200: testResult, 401: problem, 403: problem, 404: problem },
      handler: async (req, res) => {
        const actor = await orgActor(core, req, res);
        res.json(await core.connections.test(actor, String(req.params.id)));
      },
    },
  ];
}
