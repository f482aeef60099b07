import { PermissionDeniedError, isOwner } from '@pipewright/core';
import type { Request, Response } from 'express';
import { parseBody } from '../shared/dto.js';
import { requestUploads } from '../shared/request-uploads.js';
import type { RouteSpec } from '../shared/openapi.js';
import { requestContext } from './unstract-auth.js';
import { UnstractExecuteWorkflowDto } from './unstract-dtos.js';
import { WORKFLOW_ATTRS, attrsFor } from './unstract-errors.js';
import { executeWorkflow, whenClientGone } from './unstract-execute.js';
import { BASE, idParam, multipart, paginatedSchema, responses, type UnstractDeps } from './unstract-http.js';
import { UNPAGINATED_LIMIT, assertPageExists, pageRequest, paginated } from './unstract-pages.js';
import { executionListQuery, logFilter } from './unstract-query.js';
import { executeView, executionView, logView } from './unstract-views.js';

const W = `${BASE}/workflow`;
const tags = ['Executions'];
const pageQuery = {
  page: { schema: { type: 'integer', minimum: 1 } },
  page_size: { schema: { type: 'integer', minimum: 1, maximum: 1000 } },
};

/** Workflow execute, executions and their logs. */
export function executionRoutes(deps: UnstractDeps): RouteSpec[] {
  const { core, publicUrl, allowedHosts } = deps;
  const getExecution = async (req: Request, res: Response) => {
    const { actor } = requestContext(res);
    res.json(executionView(await core.runs.get(actor, idParam(req, 'id', 'Run'))));
  };
  const routes: RouteSpec[] = [
    {
      method: 'post',
      path: `${W}/execute/`,
      summary: 'Execute a workflow (JSON, or multipart with `files`); execution_action START, NEXT, STOP or CONTINUE',
      tags,
      body: UnstractExecuteWorkflowDto,
      bodyContentTypes: ['application/json', 'multipart/form-data'],
      // The caller is authenticated (and its organization known) before any upload is read.
      middleware: [multipart(deps, (res) => requestContext(res).org.id)],
      responses: responses(
        { status: 200, description: '{workflow_id, execution_id, execution_status, log_id, error, result}' },
        400,
        404,
        409,
        413,
      ),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        const dto = parseBody(UnstractExecuteWorkflowDto, req.body ?? {});
        const gone = whenClientGone(req);
        const run = await executeWorkflow(core, actor, dto, requestUploads(res), gone.signal).finally(gone.dispose);
        res.json(executeView(run));
      },
    },
    {
      method: 'get',
      path: `${W}/execution/:id/`,
      summary: 'Retrieve an execution',
      tags,
      responses: responses({ status: 200, description: 'The execution' }, 404),
      handler: getExecution,
    },
    {
      method: 'get',
      path: `${BASE}/execution/:id/`,
      summary: 'Retrieve an execution (the path Unstract serves it on in practice)',
      tags,
      responses: responses({ status: 200, description: 'The execution' }, 404),
      handler: getExecution,
    },
    {
      method: 'get',
      path: `${W}/execution/:id/logs/`,
      summary: "An execution's logs by event time; log_level is a minimum, file_execution_id a UUID or null",
      tags,
      query: {
        page: { schema: { type: 'integer', minimum: 1, default: 1 } },
        page_size: { schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
        log_level: { schema: { type: 'string', enum: ['DEBUG', 'INFO', 'WARN', 'ERROR'] } },
        file_execution_id: {
          schema: { type: 'string' },
          description: 'A file execution UUID, or "null" for execution-level logs',
        },
      },
      responses: responses({ status: 200, description: 'A page of logs', schema: paginatedSchema }, 400, 404),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        const runId = idParam(req, 'id', 'Run');
        const filter = logFilter(req);
        const page = pageRequest(req)!;
        const result = await core.runs.logs(actor, runId, filter, page);
        assertPageExists(page, result);
        res.json(paginated(req, { publicUrl, allowedHosts }, page, result.total, result.items.map(logView)));
      },
    },
    {
      method: 'get',
      path: `${W}/:id/execution/`,
      summary: "A workflow's executions, newest first (owner); paginated when page or page_size is given",
      tags: ['Executions'],
      query: pageQuery,
      responses: responses(
        { status: 200, description: 'Executions (a bare array without paging parameters)', schema: paginatedSchema },
        400,
        404,
      ),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        const wf = await core.workflows.get(actor, idParam(req, 'id', 'Workflow'));
        if (!isOwner(actor, wf)) throw new PermissionDeniedError();
        const page = pageRequest(req, { optional: true });
        const q = executionListQuery(req, page ?? { page: 1, size: UNPAGINATED_LIMIT }, {
          field: 'workflowId',
          op: 'equals',
          value: wf.id,
        });
        const result = await core.runs.list(actor, q);
        const rows = result.items.map(executionView);
        if (!page) return void res.json(rows);
        assertPageExists(page, result);
        res.json(paginated(req, { publicUrl, allowedHosts }, page, result.total, rows));
      },
    },
  ];
  return routes.map((r) => ({ ...r, middleware: [attrsFor(WORKFLOW_ATTRS), ...(r.middleware ?? [])] }));
}
