import { ValidationError, isUuid, type Actor, type Core, type Role, type User } from '@pipewright/core';
import type { Request, Response } from 'express';
import type { RouteSpec } from '../shared/openapi.js';
import { inCallerProjects, zenmlActor, zenmlPrincipal } from './zenml-auth.js';
import { assertPageExists, pageView } from './zenml-page.js';
import { boolParam } from './zenml-params.js';
import { pageParams } from './zenml-query.js';
import { errorSchema, errors, hydrateParam, pageSchema, responseModel } from './zenml-schemas.js';
import { userView } from './zenml-views.js';

const info = (actor: Actor, user: User, role: Role | null) => ({ user, isAdmin: role === 'admin', projectId: actor.orgId });

/** The caller's actor in their default project, or null for a user without any project. */
async function defaultActor(core: Core, req: Request, res: Response): Promise<Actor | null> {
  return zenmlActor(core, req, res).catch((e: unknown) => {
    if (e instanceof ValidationError) return null;
    throw e;
  });
}

/** ZenML users: the caller, and the members of a project. `name` is the login (email). */
export function zenmlUserRoutes(core: Core): RouteSpec[] {
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
      method: 'get',
      path: '/api/v1/users',
      summary: 'List the members of a project',
      tags: ['users'],
      query: {
        ...hydrateParam(false),
        project_name_or_id: { schema: { type: 'string' } },
        page: { schema: { type: 'integer', minimum: 1, default: 1 } },
        size: { schema: { type: 'integer', minimum: 1, maximum: 10000, default: 20 } },
      },
      responses: { 200: { description: 'A page of users, by email', schema: pageSchema }, 400: { description: 'Page past the end', schema: errorSchema }, ...errors },
      handler: async (req, res) => {
        await zenmlPrincipal(core, req, res);
        const page = pageParams(req, 'UserFilter');
        const hydrate = boolParam(req, 'hydrate', false);
        const actor = await zenmlActor(core, req, res, typeof req.query.project_name_or_id === 'string' ? req.query.project_name_or_id : undefined);
        const result = await core.admin.listUsers(actor, page);
        assertPageExists(page, result.total);
        res.json(pageView(page, result.total, result.items.map((m) => userView(info(actor, m.user, m.role), { hydrate }))));
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
        const key = String(req.params.user_name_or_id);
        const { actor, value } = await inCallerProjects(core, req, res, { entity: 'User', id: key }, (a) =>
          isUuid(key) ? core.admin.getUser(a, key.toLowerCase()) : core.admin.getUserByEmail(a, key),
        );
        res.json(userView(info(actor, value.user, value.role), { hydrate }));
      },
    },
  ];
}
