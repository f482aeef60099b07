import type { Actor, Core, Tag } from '@pipewright/core';
import express, { type Response } from 'express';
import type { RouteSpec } from '../shared/openapi.js';
import { zenmlActor, zenmlPrincipal } from './zenml-auth.js';
import { ZenmlTagRequestDto, zenmlBody } from './zenml-dtos.js';
import { assertPageExists, pageView } from './zenml-page.js';
import { boolParam, param } from './zenml-params.js';
import { TAG_LIST, listQuery } from './zenml-query.js';
import { tagRelations } from './zenml-relations.js';
import { errorSchema, errors, hydrateParam, listParams, pageSchema, responseModel } from './zenml-schemas.js';
import { tagView } from './zenml-views.js';

async function sendTag(core: Core, res: Response, actor: Actor, tag: Tag, hydrate: boolean): Promise<void> {
  const { users, counts } = await tagRelations(core, actor, [tag], hydrate);
  res.json(tagView(tag, { hydrate, users, taggedCount: counts.get(tag.id) ?? 0 }));
}

const projectParam = {
  project_name_or_id: {
    schema: { type: 'string' },
    description: 'Project (organization) whose tags to use; default: your first project',
  },
};

/** Tags, per project (organization): list, create, get by name or id. */
export function zenmlTagRoutes(core: Core): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/api/v1/tags',
      summary: 'List tags',
      tags: ['tags'],
      query: listParams(TAG_LIST, projectParam),
      responses: {
        200: { description: 'A page of tags', schema: pageSchema },
        400: { description: 'Page past the end', schema: errorSchema },
        ...errors,
      },
      handler: async (req, res) => {
        await zenmlPrincipal(core, req, res);
        const q = listQuery(req, TAG_LIST);
        const hydrate = boolParam(req, 'hydrate', false);
        const actor = await zenmlActor(core, req, res, param(req, 'project_name_or_id'));
        const page = await core.tags.list(actor, q);
        assertPageExists(q.page, page.total);
        const { users, counts } = await tagRelations(core, actor, page.items, hydrate);
        res.json(
          pageView(
            q.page,
            page.total,
            page.items.map((t) => tagView(t, { hydrate, users, taggedCount: counts.get(t.id) ?? 0 })),
          ),
        );
      },
    },
    {
      method: 'post',
      path: '/api/v1/tags',
      summary: 'Create a tag',
      description:
        'Body: `{name, exclusive?, color?}`; the name may not be a UUID; a random color when none is given. 409 when the name is taken.',
      tags: ['tags'],
      body: ZenmlTagRequestDto,
      query: projectParam,
      middleware: [express.json({ limit: '64kb' })],
      responses: {
        200: { description: 'The new tag (hydrated)', schema: responseModel },
        409: { description: 'EntityExistsError', schema: errorSchema },
        ...errors,
      },
      handler: async (req, res) => {
        await zenmlPrincipal(core, req, res);
        const dto = zenmlBody(ZenmlTagRequestDto, req.body);
        const actor = await zenmlActor(core, req, res, param(req, 'project_name_or_id'));
        const tag = await core.tags.create(actor, {
          name: dto.name,
          color: dto.color ?? null,
          exclusive: dto.exclusive ?? false,
        });
        await sendTag(core, res, actor, tag, true);
      },
    },
    {
      method: 'get',
      path: '/api/v1/tags/:tag_name_or_id',
      summary: 'Get a tag by name or id',
      tags: ['tags'],
      query: hydrateParam(true),
      responses: { 200: { description: 'The tag', schema: responseModel }, ...errors },
      handler: async (req, res) => {
        const principal = await zenmlPrincipal(core, req, res);
        const hydrate = boolParam(req, 'hydrate', true);
        const { actor, value } = await core.locate.tag(principal, String(req.params.tag_name_or_id));
        await sendTag(core, res, actor, value, hydrate);
      },
    },
  ];
}
