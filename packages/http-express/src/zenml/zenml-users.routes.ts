import {
  PermissionDeniedError,
  ValidationError,
  type Actor,
  type Core,
  type Role,
  type User,
  type UserProfileChanges,
} from '@pipewright/core';
import express, { type Request, type Response } from 'express';
import type { RouteSpec } from '../shared/openapi.js';
import { zenmlActor, zenmlPrincipal } from './zenml-auth.js';
import { zenmlBody } from './zenml-dtos.js';
import { assertPageExists, pageView } from './zenml-page.js';
import { boolParam } from './zenml-params.js';
import { USER_LIST, listQuery, projectParam } from './zenml-query.js';
import { errorSchema, errors, hydrateParam, listParams, pageSchema, responseModel } from './zenml-schemas.js';
import { ZenmlUserRequestDto, ZenmlUserUpdateDto } from './zenml-user-dtos.js';
import { userView } from './zenml-views.js';

const info = (actor: Actor, user: User, role: Role | null) => ({
  user,
  isAdmin: role === 'admin',
  projectId: actor.orgId,
});

/** The caller's actor in their default project, or null for a user without any project. */
async function defaultActor(core: Core, req: Request, res: Response): Promise<Actor | null> {
  return zenmlActor(core, req, res).catch((e: unknown) => {
    if (e instanceof ValidationError) return null;
    throw e;
  });
}

/**
 * What an update may say and this server keeps. The login (ZenML's `name`, and `email`,
 * here the same) and `active` may only repeat what they are; a password is not changed
 * through this route. A refused field is a 400, never silently dropped.
 */
function profileChanges(dto: ZenmlUserUpdateDto, user: User): UserProfileChanges {
  for (const field of ['name', 'email'] as const) {
    const value = dto[field];
    if (value !== undefined && value !== null && value.trim().toLowerCase() !== user.email)
      throw new ValidationError(
        `The ${field} is the login (${user.email}) and can not be changed on this server.`,
        field,
      );
  }
  if (dto.active !== undefined && dto.active !== null && dto.active !== user.isActive)
    throw new ValidationError('Activating or deactivating a user is not supported on this server.', 'active');
  if (dto.password !== undefined && dto.password !== null)
    throw new ValidationError('Passwords are not changed through this API on this server.', 'password');
  return {
    ...(dto.full_name !== undefined && dto.full_name !== null ? { name: dto.full_name } : {}),
    ...(dto.email_opted_in !== undefined && dto.email_opted_in !== null ? { emailOptedIn: dto.email_opted_in } : {}),
    ...(dto.user_metadata !== undefined && dto.user_metadata !== null ? { metadata: dto.user_metadata } : {}),
  };
}

/** ZenML users: the caller, and the members of a project. `name` is the login (email). */
export function zenmlUserRoutes(core: Core): RouteSpec[] {
  const json = express.json({ limit: '1mb' });
  return [
    {
      method: 'get',
      path: '/api/v1/current-user',
      summary: 'The authenticated user',
      tags: ['users'],
      query: hydrateParam(true),
      responses: { 200: { description: 'UserResponse', schema: responseModel }, 401: errors[401] },
      handler: async (req, res) => {
        const principal = await zenmlPrincipal(core, req, res);
        const hydrate = boolParam(req, 'hydrate', true);
        const user = await core.auth.currentUser(principal);
        const actor = await defaultActor(core, req, res);
        res.json(userView({ user, isAdmin: actor?.role === 'admin', projectId: actor?.orgId ?? '' }, { hydrate }));
      },
    },
    {
      method: 'put',
      path: '/api/v1/current-user',
      summary: 'Update the authenticated user',
      description:
        "UserUpdate: `full_name`, `email_opted_in`, `user_metadata` (merged: given keys replace, others stay). `name`/`email` (the login) and `active` may only repeat their value; `password` and a change of one's own `is_admin` are refused. Answers the hydrated UserResponse.",
      tags: ['users'],
      body: ZenmlUserUpdateDto,
      middleware: [json],
      responses: {
        200: { description: 'UserResponse', schema: responseModel },
        400: { description: 'A field that can not change', schema: errorSchema },
        403: { description: 'Own admin status', schema: errorSchema },
        ...errors,
      },
      handler: async (req, res) => {
        const principal = await zenmlPrincipal(core, req, res);
        const dto = zenmlBody(ZenmlUserUpdateDto, req.body);
        const actor = await defaultActor(core, req, res);
        if (dto.is_admin !== undefined && dto.is_admin !== null && dto.is_admin !== (actor?.role === 'admin'))
          throw new PermissionDeniedError('Users can not change their own admin status.');
        const user = await core.users.updateOwn(principal, profileChanges(dto, await core.auth.currentUser(principal)));
        res.json(
          userView({ user, isAdmin: actor?.role === 'admin', projectId: actor?.orgId ?? '' }, { hydrate: true }),
        );
      },
    },
    {
      method: 'post',
      path: '/api/v1/users',
      summary: 'Create a user in a project (server admins)',
      description:
        'UserRequest: `name` is the login, an email here (`email` wins when given); `full_name`, `password`, `is_admin`, `email_opted_in`, `user_metadata`. The user joins the project (default: your first; `project_name_or_id` chooses). Server admins only (as ZenML, which lets only an admin create users): an organization admin invites through the native API, so no answer tells whether an email has an account. 409 when the email is taken.',
      tags: ['users'],
      body: ZenmlUserRequestDto,
      query: { project_name_or_id: { schema: { type: 'string' } } },
      middleware: [json],
      responses: {
        200: { description: 'UserResponse (hydrated)', schema: responseModel },
        403: { description: 'Not an admin', schema: errorSchema },
        409: { description: 'Email taken', schema: errorSchema },
        ...errors,
      },
      handler: async (req, res) => {
        await zenmlPrincipal(core, req, res);
        const dto = zenmlBody(ZenmlUserRequestDto, req.body);
        const actor = await zenmlActor(core, req, res, projectParam(req));
        if (dto.active === false)
          throw new ValidationError('Creating an inactive user is not supported on this server.', 'active');
        const created = await core.admin.createUser(actor, {
          email: dto.email ?? dto.name,
          ...(dto.full_name ? { name: dto.full_name } : {}),
          password: dto.password ?? null,
          role: dto.is_admin ? 'admin' : 'member',
          profile: {
            ...(dto.email_opted_in !== undefined && dto.email_opted_in !== null
              ? { emailOptedIn: dto.email_opted_in }
              : {}),
            ...(dto.user_metadata ? { metadata: dto.user_metadata } : {}),
          },
        });
        res.json(userView(info(actor, created.user, created.role), { hydrate: true }));
      },
    },
    {
      method: 'get',
      path: '/api/v1/users',
      summary: 'List the members of a project',
      description:
        'UserFilter: `name` (the login, an email), `full_name`, `email`, `active`, `email_opted_in`, `is_admin`, `id`, `created`, `updated`. Any other filter is a 422 naming it.',
      tags: ['users'],
      query: listParams(USER_LIST, { project_name_or_id: { schema: { type: 'string' } } }),
      responses: {
        200: { description: 'A page of users', schema: pageSchema },
        400: { description: 'Page past the end', schema: errorSchema },
        ...errors,
      },
      handler: async (req, res) => {
        await zenmlPrincipal(core, req, res);
        const q = listQuery(req, USER_LIST);
        const hydrate = boolParam(req, 'hydrate', false);
        const actor = await zenmlActor(core, req, res, projectParam(req));
        const result = await core.users.listMembers(actor, q);
        assertPageExists(q.page, result.total);
        res.json(
          pageView(
            q.page,
            result.total,
            result.items.map((m) => userView(info(actor, m.user, m.role), { hydrate })),
          ),
        );
      },
    },
    {
      method: 'get',
      path: '/api/v1/users/:user_name_or_id',
      summary: 'Get a member by id or name (email)',
      tags: ['users'],
      query: hydrateParam(true),
      responses: { 200: { description: 'UserResponse', schema: responseModel }, ...errors },
      handler: async (req, res) => {
        await zenmlPrincipal(core, req, res);
        const hydrate = boolParam(req, 'hydrate', true);
        const { actor, value } = await findMember(core, req, res);
        res.json(userView(info(actor, value.user, value.role), { hydrate }));
      },
    },
    {
      method: 'put',
      path: '/api/v1/users/:user_name_or_id',
      summary: 'Update a member (themselves, or an admin of their project)',
      description:
        'As `PUT /current-user`; an admin may also set `is_admin` of another member (their role in the project).',
      tags: ['users'],
      body: ZenmlUserUpdateDto,
      middleware: [json],
      responses: {
        200: { description: 'UserResponse (hydrated)', schema: responseModel },
        400: { description: 'A field that can not change', schema: errorSchema },
        403: { description: 'Not allowed', schema: errorSchema },
        ...errors,
      },
      handler: async (req, res) => {
        await zenmlPrincipal(core, req, res);
        const dto = zenmlBody(ZenmlUserUpdateDto, req.body);
        const { actor, value } = await findMember(core, req, res);
        const changes = profileChanges(dto, value.user);
        const wantsAdmin = dto.is_admin;
        let role: Role | undefined;
        if (wantsAdmin !== undefined && wantsAdmin !== null && wantsAdmin !== (value.role === 'admin')) {
          if (value.user.id === actor.userId)
            throw new PermissionDeniedError('Users can not change their own admin status.');
          role = wantsAdmin ? 'admin' : 'member';
        }
        const updated = await core.users.updateMember(actor, value.user.id, changes, role);
        res.json(userView(info(actor, updated.user, updated.role), { hydrate: true }));
      },
    },
  ];
}

/** The member `:user_name_or_id` names (id, or login = email), in the first of the caller's projects that has them. */
async function findMember(core: Core, req: Request, res: Response) {
  const principal = await zenmlPrincipal(core, req, res);
  return core.locate.member(principal, String(req.params.user_name_or_id));
}
