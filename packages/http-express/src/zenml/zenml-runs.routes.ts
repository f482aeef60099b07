import type { Actor, Core, Run, RunQuery } from '@pipewright/core';
import type { Request, Response } from 'express';
import type { RouteSpec } from '../shared/openapi.js';
import { inCallerProjects, zenmlActor, zenmlPrincipal } from './zenml-auth.js';
import { assertPageExists, pageView } from './zenml-page.js';
import { boolParam, uuidPath } from './zenml-params.js';
import { locatePipeline } from './zenml-pipelines.routes.js';
import { RUN_LIST, listQuery, projectParam } from './zenml-query.js';
import { runRelations } from './zenml-relations.js';
import { errorSchema, errors, hydrateParam, listParams, pageSchema, projectParams, responseModel } from './zenml-schemas.js';
import { runView } from './zenml-views.js';

const RUN = '/api/v1/runs/:run_id';

async function locateRun(core: Core, req: Request, res: Response): Promise<{ actor: Actor; value: Run }> {
  await zenmlPrincipal(core, req, res);
  const id = uuidPath(req, 'run_id', 'run_id');
  return inCallerProjects(core, req, res, { entity: 'Pipeline run', id }, (actor) => core.runs.get(actor, id));
}

async function sendRunPage(core: Core, req: Request, res: Response, actor: Actor, q: RunQuery): Promise<void> {
  const hydrate = boolParam(req, 'hydrate', false);
  const page = await core.runs.list(actor, q);
  assertPageExists(q.page, page.total);
  const rel = await runRelations(core, actor, page.items);
  res.json(pageView(q.page, page.total, page.items.map((r) => runView(r, rel, hydrate))));
}

/** Runs: list (the same filter grammar), get, stop; statuses under ZenML's names. */
export function zenmlRunRoutes(core: Core): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/api/v1/runs',
      summary: 'List pipeline runs',
      description: 'Statuses are ZenML names: initializing, running, completed, failed, stopping, stopped.',
      tags: ['runs'],
      query: listParams(RUN_LIST, projectParams),
      responses: { 200: { description: 'A page of runs', schema: pageSchema }, 400: { description: 'Page past the end', schema: errorSchema }, ...errors },
      handler: async (req, res) => {
        await zenmlPrincipal(core, req, res);
        const q = listQuery(req, RUN_LIST);
        const actor = await zenmlActor(core, req, res, projectParam(req));
        await sendRunPage(core, req, res, actor, q);
      },
    },
    {
      method: 'get',
      path: '/api/v1/pipelines/:pipeline_id/runs',
      summary: "List a pipeline's runs",
      tags: ['runs'],
      query: listParams(RUN_LIST),
      responses: { 200: { description: 'A page of runs', schema: pageSchema }, 400: { description: 'Page past the end', schema: errorSchema }, ...errors },
      handler: async (req, res) => {
        const { actor, value } = await locatePipeline(core, req, res);
        await sendRunPage(core, req, res, actor, listQuery(req, RUN_LIST, [{ field: 'pipelineId', op: 'equals', value: value.id }]));
      },
    },
    {
      method: 'get',
      path: RUN,
      summary: 'Get a pipeline run',
      tags: ['runs'],
      query: hydrateParam(true),
      responses: { 200: { description: 'The run', schema: responseModel }, ...errors },
      handler: async (req, res) => {
        await zenmlPrincipal(core, req, res);
        const hydrate = boolParam(req, 'hydrate', true);
        const { actor, value } = await locateRun(core, req, res);
        res.json(runView(value, await runRelations(core, actor, [value]), hydrate));
      },
    },
    {
      method: 'post',
      path: `${RUN}/stop`,
      summary: 'Stop a pipeline run',
      description: 'A pending run stops at once; a running one goes to `stopping` until its stage ends. Answers `null`.',
      tags: ['runs'],
      responses: { 200: { description: '`null`' }, 400: { description: 'The run already ended', schema: errorSchema }, 403: { description: 'Not allowed', schema: errorSchema }, ...errors },
      handler: async (req, res) => {
        const { actor, value } = await locateRun(core, req, res);
        await core.runs.cancel(actor, value.id);
        res.json(null);
      },
    },
  ];
}
