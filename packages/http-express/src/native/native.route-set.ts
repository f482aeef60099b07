import { NotFoundError, PermissionDeniedError, ValidationError, type Core } from '@pipewright/core';
import express, { Router } from 'express';
import { authenticate } from '../shared/bearer.js';
import { parseBody } from '../shared/dto.js';
import { buildOpenApi, mountRoutes, type RouteSpec } from '../shared/openapi.js';
import { single } from '../shared/request-url.js';
import type { RouteSet, RouteSetContext } from '../shared/route-set.js';
import { nativeActor } from './native-actor.js';
import { connectionRoutes } from './native-connections.routes.js';
import {
  AddMemberDto,
  ChangePasswordDto,
  CreateApiKeyDto,
  CreateOrganizationDto,
  CreateUserDto,
  SetModeDto,
  SetRunLimitDto,
} from './native-dtos.js';
import { nativeErrorHandler } from './native-errors.js';
import { memberRoutes } from './native-members.routes.js';
import { invitationView } from './native-membership-views.js';
import { operationsRoutes } from './native-operations.routes.js';
import { pipelineRoutes } from './native-pipelines.routes.js';
import { decodeCursor, encodeCursor, keyView, orgView, userView } from './native-views.js';

const BASE = '/admin/api/v1';
const obj = { type: 'object' };
const problem = { description: 'Problem (RFC 9457)', schema: obj, contentType: 'application/problem+json' };

function routes(core: Core): RouteSpec[] {
  return [
    {
      method: 'get',
      path: `${BASE}/me`,
      summary: 'The authenticated principal and its organizations',
      responses: { 200: { description: 'Current user', schema: obj }, 401: problem },
      handler: async (req, res) => {
        const principal = await authenticate(core, req, res);
        const user = await core.auth.currentUser(principal);
        const orgs = await core.admin.organizationsOf(user.id);
        // Organizations oldest membership first: the first is the default one in every dialect.
        res.json({
          user: { ...userView(user), is_server_admin: user.isServerAdmin },
          via: principal.via,
          organizations: orgs.map((o) => orgView(o.organization, o.role)),
        });
      },
    },
    {
      method: 'post',
      path: `${BASE}/organizations`,
      summary: 'Create an organization (its creator becomes its admin); server admins only',
      body: CreateOrganizationDto,
      responses: { 201: { description: 'Created', schema: obj }, 400: problem, 403: problem, 409: problem },
      handler: async (req, res) => {
        const { actor } = await nativeActor(core, req, res);
        const dto = parseBody(CreateOrganizationDto, req.body);
        const org = await core.admin.createOrganization(actor, dto);
        res.status(201).json(orgView(org, 'admin'));
      },
    },
    {
      method: 'get',
      path: `${BASE}/organizations`,
      summary: "The caller's organizations",
      responses: { 200: { description: 'Organizations', schema: obj }, 401: problem },
      handler: async (req, res) => {
        const principal = await authenticate(core, req, res);
        const orgs = await core.admin.organizationsOf(
          principal.via === 'pipeline-key' ? principal.issuedBy : principal.userId,
        );
        res.json({ items: orgs.map((o) => orgView(o.organization, o.role)), next_cursor: null });
      },
    },
    {
      method: 'put',
      path: `${BASE}/organizations/:slug/mode`,
      summary: 'Set the organization mode (normal, inspection, maintenance); org admins only',
      body: SetModeDto,
      responses: { 200: { description: 'Organization', schema: obj }, 400: problem, 403: problem, 404: problem },
      handler: async (req, res) => {
        const principal = await authenticate(core, req, res);
        const actor = await core.auth.actorFor(principal, { slug: String(req.params.slug) });
        const dto = parseBody(SetModeDto, req.body);
        res.json(orgView(await core.admin.setMode(actor, dto.mode)));
      },
    },
    {
      method: 'put',
      path: `${BASE}/organizations/:slug/run-limit`,
      summary:
        "Set the organization's own limit on runs executing at once (null: the operator's default); server admins only",
      body: SetRunLimitDto,
      responses: {
        200: { description: 'Organization', schema: obj },
        400: problem,
        401: problem,
        403: problem,
        404: problem,
      },
      handler: async (req, res) => {
        const principal = await authenticate(core, req, res);
        // A pipeline key acts for one pipeline, never as a server admin.
        if (principal.via === 'pipeline-key') throw new PermissionDeniedError();
        const dto = parseBody(SetRunLimitDto, req.body);
        res.json(
          orgView(await core.admin.setRunLimit(principal.userId, String(req.params.slug), dto.maxConcurrentRuns)),
        );
      },
    },
    {
      method: 'post',
      path: `${BASE}/organizations/:slug/members`,
      summary:
        "Change a member's role, or invite by email (the user accepts; the answer is the same whether or not the email has an account); with PIPEWRIGHT_DIRECT_MEMBERSHIP an existing user is added at once. Org admins only",
      body: AddMemberDto,
      responses: {
        201: { description: 'The membership (status "member") or the invitation (status "invited")', schema: obj },
        400: problem,
        403: problem,
        404: problem,
      },
      handler: async (req, res) => {
        const principal = await authenticate(core, req, res);
        const actor = await core.auth.actorFor(principal, { slug: String(req.params.slug) });
        const dto = parseBody(AddMemberDto, req.body);
        if (!dto.userId && !dto.email) throw new ValidationError('Give userId or email.', 'userId');
        const outcome = await core.memberships.add(actor, dto);
        res
          .status(201)
          .json(
            outcome.kind === 'member'
              ? { ...userView(outcome.user, outcome.role), status: 'member' }
              : invitationView(outcome.invitation),
          );
      },
    },
    {
      method: 'post',
      path: `${BASE}/users`,
      summary:
        "Create an account, joining the caller's organization (server admins; an org admin invites by email instead)",
      body: CreateUserDto,
      query: { org: { schema: { type: 'string' }, description: 'Organization slug' } },
      responses: { 201: { description: 'User', schema: obj }, 400: problem, 403: problem, 409: problem },
      handler: async (req, res) => {
        const { actor } = await nativeActor(core, req, res);
        const dto = parseBody(CreateUserDto, req.body);
        const { user, role } = await core.admin.createUser(actor, dto);
        res.status(201).json(userView(user, role));
      },
    },
    {
      method: 'get',
      path: `${BASE}/users`,
      summary: "Members of the caller's organization, by email",
      query: {
        org: { schema: { type: 'string' } },
        cursor: { schema: { type: 'string' } },
        limit: { schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
      },
      responses: { 200: { description: 'A page of users', schema: obj }, 400: problem, 401: problem },
      handler: async (req, res) => {
        const { actor } = await nativeActor(core, req, res);
        const page = decodeCursor(single(req.query.cursor));
        const size = Number(single(req.query.limit) ?? 100);
        if (!Number.isInteger(page)) throw ValidationError.field('cursor', 'Invalid cursor.');
        if (!Number.isInteger(size) || size < 1 || size > 1000)
          throw ValidationError.field('limit', 'Must be an integer from 1 to 1000.');
        const result = await core.admin.listUsers(actor, { page, size });
        res.json({
          items: result.items.map((m) => userView(m.user, m.role)),
          total: result.total,
          next_cursor: page * size < result.total ? encodeCursor(page + 1) : null,
        });
      },
    },
    {
      method: 'put',
      path: `${BASE}/users/:id/password`,
      summary: 'Change your own password',
      body: ChangePasswordDto,
      responses: { 204: { description: 'Changed' }, 400: problem, 403: problem },
      handler: async (req, res) => {
        const { actor } = await nativeActor(core, req, res);
        const dto = parseBody(ChangePasswordDto, req.body);
        await core.admin.changePassword(actor, String(req.params.id), dto.password);
        res.status(204).end();
      },
    },
    {
      method: 'post',
      path: `${BASE}/api-keys`,
      summary: 'Create a personal API key for the caller in an organization (plaintext shown once)',
      body: CreateApiKeyDto,
      query: { org: { schema: { type: 'string' } } },
      responses: { 201: { description: 'The key, with its plaintext', schema: obj }, 400: problem, 401: problem },
      handler: async (req, res) => {
        const { actor } = await nativeActor(core, req, res);
        const dto = parseBody(CreateApiKeyDto, req.body ?? {});
        const { key, secret } = await core.apiKeys.createPersonalKey(actor, {
          description: dto.description ?? null,
          expiresAt: dto.expiresAt ? new Date(dto.expiresAt) : null,
        });
        const org = await core.auth.findOrganization({ id: actor.orgId });
        res.status(201).json({ ...keyView(key), key: secret, org: org?.slug });
      },
    },
    {
      method: 'get',
      path: `${BASE}/api-keys`,
      summary: "The caller's personal keys in an organization (no plaintext)",
      query: { org: { schema: { type: 'string' } } },
      responses: { 200: { description: 'Keys', schema: obj }, 401: problem },
      handler: async (req, res) => {
        const { actor } = await nativeActor(core, req, res);
        res.json({ items: (await core.apiKeys.listPersonalKeys(actor)).map(keyView), next_cursor: null });
      },
    },
    {
      method: 'delete',
      path: `${BASE}/api-keys/:id`,
      summary: 'Revoke one of your personal keys; it stops working at once',
      query: { org: { schema: { type: 'string' } } },
      responses: { 204: { description: 'Revoked' }, 404: problem },
      handler: async (req, res) => {
        const { actor } = await nativeActor(core, req, res);
        await core.apiKeys.deletePersonalKey(actor, String(req.params.id));
        res.status(204).end();
      },
    },
  ];
}

/** Extra native routes an embedder contributes (mounted after the native set's own). */
export type NativeRouteContribution = (core: Core) => RouteSpec[];

export function nativeRouteSet(ctx: RouteSetContext, contributions: NativeRouteContribution[] = []): RouteSet {
  const specs = [
    ...routes(ctx.core),
    ...pipelineRoutes(ctx.core),
    ...connectionRoutes(ctx.core, ctx.connectionKinds),
    ...operationsRoutes(ctx.core),
    ...memberRoutes(ctx.core),
    ...contributions.flatMap((c) => c(ctx.core)),
  ];
  const router = Router();
  router.use(BASE, express.json({ limit: '1mb', type: ['application/json', 'application/*+json'] }));
  mountRoutes(router, specs);
  router.use(BASE, (_req, _res, next) => next(new NotFoundError('Route')));
  router.use(BASE, nativeErrorHandler);
  return {
    name: 'native',
    router,
    openapi: buildOpenApi(
      {
        title: 'Pipewright native admin API',
        version: ctx.version ?? '0.1.0',
        description:
          'Organizations, users, memberships, personal keys, connections, pipelines (retry policy) and runs.',
      },
      specs,
      { schemes: { bearer: { type: 'http', scheme: 'bearer' } }, default: [{ bearer: [] }] },
    ),
  };
}
