import { NotFoundError, type Role, type User } from '@pipewright/core';
import type { RouteSpec } from '../shared/openapi.js';
import { requestContext } from './unstract-auth.js';
import { BASE, paginatedSchema, responses, type UnstractDeps } from './unstract-http.js';
import { memberView } from './unstract-users.js';

const MEMBER_PAGE = 500;
/** More members than this are not listed (one organization's members fit in one answer). */
const MAX_MEMBERS = 10_000;

/**
 * Resources of Unstract that Pipewright has no concept of. Their lists answer empty in
 * Unstract's shape (a bare array, or a page for `tags/`), an id is 404 "Not found.", and OPTIONS
 * offers no POST, so a client that copies an organization (the `unstract clone` phases) finds
 * nothing to do there instead of failing.
 */
const EMPTY_COLLECTIONS: ReadonlyArray<{ path: string; name: string; paged: boolean }> = [
  { path: 'groups', name: 'Organization Group List', paged: false },
  { path: 'adapter', name: 'Adapter Instance List', paged: false },
  // Pipewright's tags label pipelines (ZenML's); Unstract's label executions: not the same concept.
  { path: 'tags', name: 'Tag List', paged: true },
  { path: 'prompt-studio', name: 'Prompt Studio Core List', paged: false },
  { path: 'tool_instance', name: 'Tool Instance List', paged: false },
];

/** `users/` (the organization's members) and the empty collections. */
export function organizationRoutes({ core }: UnstractDeps): RouteSpec[] {
  const members: RouteSpec = {
    method: 'get',
    path: `${BASE}/users/`,
    summary:
      "The organization's members: {message, members: [{id (int, as a string), email, role, is_admin, is_service_account}]}",
    tags: ['Users'],
    responses: responses({ status: 200, description: '{"message": "success", "members": […]}' }),
    handler: async (_req, res) => {
      const { actor } = requestContext(res);
      const rows: Array<{ user: User; role: Role }> = [];
      for (let page = 1; rows.length < MAX_MEMBERS; page++) {
        const result = await core.admin.listUsers(actor, { page, size: MEMBER_PAGE });
        rows.push(...result.items);
        if (result.items.length < MEMBER_PAGE || rows.length >= result.total) break;
      }
      res.json({ message: 'success', members: rows.map(({ user, role }) => memberView(user, role)) });
    },
  };
  const empty = EMPTY_COLLECTIONS.flatMap(({ path, name, paged }): RouteSpec[] => {
    const tags = ['Not supported (empty)'];
    return [
      {
        method: 'options',
        path: `${BASE}/${path}/`,
        summary: `DRF metadata for ${path}/ (no POST: Pipewright has no such resource)`,
        tags,
        responses: responses({ status: 200, description: 'DRF metadata document without actions' }),
        handler: (_req, res) => {
          res.json({
            name: name,
            description: 'Not supported by Pipewright: always empty.',
            renders: ['application/json'],
            parses: ['application/json'],
          });
        },
      },
      {
        method: 'get',
        path: `${BASE}/${path}/`,
        summary: `Always empty (${paged ? 'a page' : 'a bare array'}): Pipewright has no such resource`,
        tags,
        responses: responses(
          paged
            ? { status: 200, description: 'An empty page', schema: paginatedSchema }
            : { status: 200, description: 'An empty array', schema: { type: 'array', items: { type: 'object' } } },
        ),
        handler: (_req, res) => {
          res.json(paged ? { count: 0, next: null, previous: null, results: [] } : []);
        },
      },
      {
        method: 'get',
        path: `${BASE}/${path}/:id/`,
        summary: 'Always 404 "Not found."',
        tags,
        responses: responses({ status: 404, description: 'Not found' }),
        handler: () => {
          throw new NotFoundError('Route');
        },
      },
    ];
  });
  return [members, ...empty];
}
