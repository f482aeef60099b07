import {
  NotFoundError,
  PermissionDeniedError,
  query,
  type Actor,
  type Core,
  type Organization,
} from '@pipewright/core';
import type { Request, Response } from 'express';
import type { RouteSpec } from '../shared/openapi.js';
import { findProject, zenmlPrincipal, zenmlProjects } from './zenml-auth.js';
import { assertPageExists, pageView } from './zenml-page.js';
import { boolParam } from './zenml-params.js';
import { pageParams } from './zenml-query.js';
import { errorSchema, errors, hydrateParam, pageSchema, responseModel } from './zenml-schemas.js';
import { projectView } from './zenml-views.js';

const PROJECT = '/api/v1/projects/:project_name_or_id';

/** The project named by the path and the caller in it; NotFound also for projects the caller is not in. */
async function projectOf(core: Core, req: Request, res: Response): Promise<{ org: Organization; actor: Actor }> {
  const principal = await zenmlPrincipal(core, req, res);
  const nameOrId = String(req.params.project_name_or_id);
  const org = await findProject(core, nameOrId);
  const actor = await core.auth.actorIn(principal, org).catch((e: unknown) => {
    // Do not reveal projects the caller is not a member of.
    if (e instanceof PermissionDeniedError) throw new NotFoundError('Project', nameOrId);
    throw e;
  });
  return { org, actor };
}

const one = { page: { page: 1, size: 1 } };

/** Projects are the caller's organizations (name = slug). */
export function zenmlProjectRoutes(core: Core): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/api/v1/projects',
      summary: 'List your projects (organizations)',
      tags: ['projects'],
      query: {
        ...hydrateParam(false),
        page: { schema: { type: 'integer', minimum: 1, default: 1 } },
        size: { schema: { type: 'integer', minimum: 1, maximum: 10000, default: 20 } },
      },
      responses: {
        200: { description: 'A page of projects, by name', schema: pageSchema },
        400: { description: 'Page past the end', schema: errorSchema },
        ...errors,
      },
      handler: async (req, res) => {
        const principal = await zenmlPrincipal(core, req, res);
        const page = pageParams(req, 'ProjectFilter');
        const hydrate = boolParam(req, 'hydrate', false);
        // A user's memberships: a short list the port returns whole, sliced into the page here.
        const orgs = await zenmlProjects(core, principal);
        assertPageExists(page, orgs.length);
        const items = orgs.slice((page.page - 1) * page.size, page.page * page.size);
        res.json(
          pageView(
            page,
            orgs.length,
            items.map((o) => projectView(o, hydrate)),
          ),
        );
      },
    },
    {
      method: 'get',
      path: PROJECT,
      summary: 'Get a project by name or id',
      tags: ['projects'],
      query: hydrateParam(true),
      responses: { 200: { description: 'The project', schema: responseModel }, ...errors },
      handler: async (req, res) => {
        await zenmlPrincipal(core, req, res);
        const hydrate = boolParam(req, 'hydrate', true);
        const { org } = await projectOf(core, req, res);
        res.json(projectView(org, hydrate));
      },
    },
    {
      method: 'get',
      path: `${PROJECT}/statistics`,
      summary: 'Pipeline and run counts of a project (those you can see)',
      tags: ['projects'],
      responses: {
        200: {
          description: '`{pipelines, runs}`',
          schema: {
            type: 'object',
            properties: { pipelines: { type: 'integer' }, runs: { type: 'integer' } },
            required: ['pipelines', 'runs'],
          },
        },
        ...errors,
      },
      handler: async (req, res) => {
        const { actor } = await projectOf(core, req, res);
        const [pipelines, runs] = await Promise.all([
          core.pipelines.list(actor, query(one)),
          core.runs.list(actor, query(one)),
        ]);
        res.json({ pipelines: pipelines.total, runs: runs.total });
      },
    },
  ];
}
