import { parseBody } from '../shared/dto.js';
import type { RouteSpec } from '../shared/openapi.js';
import { requestContext } from './unstract-auth.js';
import { UnstractFileHistoryClearDto } from './unstract-dtos.js';
import { UnstractResponseError, WORKFLOW_ATTRS, attrsFor } from './unstract-errors.js';
import { BASE, idParam, paginatedSchema, responses, type UnstractDeps } from './unstract-http.js';
import { assertPageExists, pageRequest, paginated } from './unstract-pages.js';
import { fileHistoryFilters, fileHistoryListQuery } from './unstract-query.js';
import { fileHistoryView } from './unstract-views.js';

const F = `${BASE}/workflow/:workflow_id/file-histories`;
const tags = ['File histories'];

/** Unstract's exact answer to a clear with no criteria (a hand-built body, not the error format). */
export const CLEAR_NEEDS_FILTER =
  'At least one filter (ids, status, execution_count_min, execution_count_max, or file_path) must be provided';

/** A workflow's file histories: list with filters, read, delete one, clear by filter. */
export function fileHistoryRoutes({ core, publicUrl, allowedHosts }: UnstractDeps): RouteSpec[] {
  const routes: RouteSpec[] = [
    {
      method: 'get',
      path: `${F}/`,
      summary: "A workflow's file histories, newest first",
      tags,
      query: {
        page: { schema: { type: 'integer', minimum: 1, default: 1 } },
        page_size: { schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
        status: { schema: { type: 'string' }, description: 'Comma-separated statuses' },
        execution_count_min: { schema: { type: 'integer' } },
        execution_count_max: { schema: { type: 'integer' } },
        file_path: { schema: { type: 'string' }, description: 'Path prefix' },
      },
      responses: responses({ status: 200, description: 'A page of file histories', schema: paginatedSchema }, 400, 404),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        const wf = await core.workflows.get(actor, idParam(req, 'workflow_id', 'Workflow'));
        const page = pageRequest(req)!;
        const result = await core.fileHistories.list(actor, wf.id, fileHistoryListQuery(req, page));
        assertPageExists(page, result);
        res.json(
          paginated(
            req,
            { publicUrl, allowedHosts },
            page,
            result.total,
            result.items.map((h) => fileHistoryView(h, wf)),
          ),
        );
      },
    },
    {
      method: 'post',
      path: `${F}/clear/`,
      summary: 'Delete the file histories matching every criterion given (owner); at least one is required',
      tags,
      body: UnstractFileHistoryClearDto,
      responses: responses({ status: 200, description: '{deleted_count, message}' }, 400, 404),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        const wf = await core.workflows.get(actor, idParam(req, 'workflow_id', 'Workflow'));
        const filters = fileHistoryFilters(parseBody(UnstractFileHistoryClearDto, req.body ?? {}));
        if (!filters.length) throw new UnstractResponseError(400, { error: CLEAR_NEEDS_FILTER });
        const deleted = await core.fileHistories.clear(actor, wf.id, filters);
        res.json({ deleted_count: deleted, message: `${deleted} file history records deleted` });
      },
    },
    {
      method: 'get',
      path: `${F}/:id/`,
      summary: 'Retrieve a file history',
      tags,
      responses: responses({ status: 200, description: 'The file history' }, 404),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        const wf = await core.workflows.get(actor, idParam(req, 'workflow_id', 'Workflow'));
        const history = await core.fileHistories.get(actor, wf.id, idParam(req, 'id', 'File history'));
        res.json(fileHistoryView(history, wf));
      },
    },
    {
      method: 'delete',
      path: `${F}/:id/`,
      summary: 'Delete a file history (owner)',
      tags,
      responses: responses({ status: 204, description: 'Deleted' }, 404),
      handler: async (req, res) => {
        const { actor } = requestContext(res);
        const workflowId = idParam(req, 'workflow_id', 'Workflow');
        await core.fileHistories.delete(actor, workflowId, idParam(req, 'id', 'File history'));
        res.status(204).end();
      },
    },
  ];
  return routes.map((r) => ({ ...r, middleware: [attrsFor(WORKFLOW_ATTRS), ...(r.middleware ?? [])] }));
}
