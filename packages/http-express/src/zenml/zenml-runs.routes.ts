import { NotFoundError, ValidationError, type Actor, type Core, type Run, type RunQuery } from '@pipewright/core';
import type { Request, Response } from 'express';
import type { RouteSpec } from '../shared/openapi.js';
import { zenmlActor, zenmlPrincipal } from './zenml-auth.js';
import { assertPageExists, pageView } from './zenml-page.js';
import { boolParam, param, uuidPath } from './zenml-params.js';
import { locatePipeline } from './zenml-pipelines.routes.js';
import { RUN_LIST, listQuery, projectParam, scopeUser } from './zenml-query.js';
import { runRelations } from './zenml-relations.js';
import { logEntryView, runDagView } from './zenml-run-details.js';
import {
  errorSchema,
  errors,
  hydrateParam,
  listParams,
  pageSchema,
  projectParams,
  responseModel,
} from './zenml-schemas.js';
import { RUN_LOG_SOURCE, runView } from './zenml-views.js';

const RUN = '/api/v1/runs/:run_id';

/** ZenML's KeyError with its own message (answered quoted, as `str(KeyError)` is). */
class KeyNotFound extends NotFoundError {
  constructor(readonly text: string) {
    super('Logs');
    this.message = text;
  }
}

async function locateRun(core: Core, req: Request, res: Response): Promise<{ actor: Actor; value: Run }> {
  const principal = await zenmlPrincipal(core, req, res);
  return core.locate.run(principal, uuidPath(req, 'run_id', 'run_id'));
}

async function sendRunPage(core: Core, req: Request, res: Response, actor: Actor, q: RunQuery): Promise<void> {
  const hydrate = boolParam(req, 'hydrate', false);
  const page = await core.runs.list(actor, q);
  assertPageExists(q.page, page.total);
  const rel = await runRelations(core, actor, page.items);
  res.json(
    pageView(
      q.page,
      page.total,
      page.items.map((r) => runView(r, rel, hydrate)),
    ),
  );
}

/** The most log lines one request answers (ZenML caps a logs response too). */
const LOG_LINES_PER_REQUEST = 10_000;

/** Runs: list (the same filter grammar), get, stop, delete, DAG, logs; statuses under ZenML's names. */
export function zenmlRunRoutes(core: Core): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/api/v1/runs',
      summary: 'List pipeline runs',
      description: 'Statuses are ZenML names: initializing, running, completed, failed, stopping, stopped.',
      tags: ['runs'],
      query: listParams(RUN_LIST, projectParams),
      responses: {
        200: { description: 'A page of runs', schema: pageSchema },
        400: { description: 'Page past the end', schema: errorSchema },
        ...errors,
      },
      handler: async (req, res) => {
        await zenmlPrincipal(core, req, res);
        const q = listQuery(req, RUN_LIST, scopeUser(req, 'triggeredBy'));
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
      responses: {
        200: { description: 'A page of runs', schema: pageSchema },
        400: { description: 'Page past the end', schema: errorSchema },
        ...errors,
      },
      handler: async (req, res) => {
        const { actor, value } = await locatePipeline(core, req, res);
        await sendRunPage(
          core,
          req,
          res,
          actor,
          listQuery(req, RUN_LIST, [
            { field: 'pipelineId', op: 'equals', value: value.id },
            ...scopeUser(req, 'triggeredBy'),
          ]),
        );
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
      method: 'delete',
      path: RUN,
      summary: 'Delete a pipeline run',
      description:
        'Deletes an ended run with its logs; answers `null`. A run still in progress is refused (400 IllegalOperationError): stop it first.',
      tags: ['runs'],
      responses: {
        200: { description: '`null`' },
        400: { description: 'The run is in progress', schema: errorSchema },
        403: { description: 'Not allowed', schema: errorSchema },
        ...errors,
      },
      handler: async (req, res) => {
        const { actor, value } = await locateRun(core, req, res);
        await core.runs.delete(actor, value.id);
        res.json(null);
      },
    },
    {
      method: 'get',
      path: `${RUN}/dag`,
      summary: 'The run as a DAG of its six stages',
      description:
        'Nodes `step/<stage>` (Receive … Finalize) with the run status and per-stage `passed`/`failed` counts in `metadata`; edges in stage order.',
      tags: ['runs'],
      responses: { 200: { description: 'PipelineRunDAG', schema: { type: 'object' } }, ...errors },
      handler: async (req, res) => {
        const { value } = await locateRun(core, req, res);
        res.json(runDagView(value));
      },
    },
    {
      method: 'get',
      path: `${RUN}/logs`,
      summary: "A run's log lines",
      description: `ZenML's LogEntry list, oldest first (at most ${LOG_LINES_PER_REQUEST}). \`source\` must be \`${RUN_LOG_SOURCE}\` (the run's one log collection), or \`logs_id\` the run's id. Levels are Python's (10 DEBUG, 20 INFO, 30 WARN, 40 ERROR); \`name\` is the stage.`,
      tags: ['runs'],
      query: { source: { schema: { type: 'string' } }, logs_id: { schema: { type: 'string', format: 'uuid' } } },
      responses: {
        200: { description: 'LogEntry[]', schema: { type: 'array', items: { type: 'object' } } },
        400: { description: 'Neither or both of source and logs_id', schema: errorSchema },
        ...errors,
      },
      handler: async (req, res) => {
        const { actor, value } = await locateRun(core, req, res);
        const source = param(req, 'source');
        const logsId = param(req, 'logs_id');
        if (source === undefined && logsId === undefined)
          throw new ValidationError('Either source or logs_id must be provided.');
        if (source !== undefined && logsId !== undefined)
          throw new ValidationError('Only one of source or logs_id must be provided.');
        if (source !== undefined && source !== RUN_LOG_SOURCE)
          throw new KeyNotFound(`No logs found for source '${source}' in run ${value.id}`);
        if (logsId !== undefined && logsId.toLowerCase() !== value.id)
          throw new KeyNotFound(`No logs found for ID '${logsId}' in run ${value.id}`);
        const page = await core.runs.logs(actor, value.id, {}, { page: 1, size: LOG_LINES_PER_REQUEST });
        res.json(page.items.map(logEntryView));
      },
    },
    {
      method: 'post',
      path: `${RUN}/stop`,
      summary: 'Stop a pipeline run',
      description:
        'A pending run stops at once; a running one goes to `stopping` until its stage ends. Answers `null`.',
      tags: ['runs'],
      responses: {
        200: { description: '`null`' },
        400: { description: 'The run already ended', schema: errorSchema },
        403: { description: 'Not allowed', schema: errorSchema },
        ...errors,
      },
      handler: async (req, res) => {
        const { actor, value } = await locateRun(core, req, res);
        await core.runs.cancel(actor, value.id);
        res.json(null);
      },
    },
  ];
}
