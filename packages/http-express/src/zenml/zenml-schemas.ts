import type { JsonSchema, ParamSpec } from '../shared/openapi.js';
import { FILTERING_DATETIME_FORMAT } from './zenml-filter.js';
import { PAGE_SIZE_DEFAULT, PAGE_SIZE_MAXIMUM, type ResourceSpec } from './zenml-query.js';

/** OpenAPI pieces shared by the ZenML routes. */

const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: 'null' }] });

/** `{id, name, permission_denied, body, metadata, resources}`. */
export const responseModel: JsonSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    permission_denied: { type: 'boolean' },
    body: nullable({ type: 'object' }),
    metadata: nullable({ type: 'object' }),
    resources: nullable({ type: 'object' }),
  },
  required: ['id', 'permission_denied'],
};

export const pageSchema: JsonSchema = {
  type: 'object',
  properties: {
    index: { type: 'integer', minimum: 1 },
    max_size: { type: 'integer', minimum: 1 },
    total_pages: { type: 'integer', minimum: 0 },
    total: { type: 'integer', minimum: 0 },
    items: { type: 'array', items: responseModel },
  },
  required: ['index', 'max_size', 'total_pages', 'total', 'items'],
};

/** `{"detail": [ExceptionName, message]}`. */
export const errorSchema: JsonSchema = {
  type: 'object',
  properties: {
    detail: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 2 }] },
  },
};

/** FastAPI's 422 for request types: a bare `["ValueError", message]`, or the filter model's `{"detail": [...]}`. */
export const validationSchema: JsonSchema = { anyOf: [{ type: 'array', items: { type: 'string' } }, errorSchema] };

export const errors = {
  401: { description: 'Not authenticated, or a bad token', schema: errorSchema },
  404: { description: "Not found ('KeyError')", schema: errorSchema },
  422: { description: 'Invalid parameters', schema: validationSchema },
};

const OPERATORS =
  'Operators: `equals:`, `notequals:`, `contains:`, `notcontains:`, `startswith:`, `endswith:`, `oneof:["a","b"]`, `notoneof:[...]`, `isempty:`, `isnotempty:`, `gt:`/`gte:`/`lt:`/`lte:`, `in:from,to` (datetimes only). Repeatable.';

/** Query parameters of a list route: filters with the operator grammar, sort, paging, hydrate. */
export function listParams(
  spec: ResourceSpec<string, string>,
  extra: Record<string, ParamSpec> = {},
): Record<string, ParamSpec> {
  const filters = Object.fromEntries(
    Object.entries(spec.filters).map(([name, f]): [string, ParamSpec] => [
      name,
      {
        schema: { type: 'array', items: { type: 'string' } },
        description: `${f.type} filter${f.type === 'datetime' ? ` (\`${FILTERING_DATETIME_FORMAT}\`, UTC)` : ''}${f.required ? '; always ANDed' : ''}. ${OPERATORS}`,
      },
    ]),
  );
  return {
    ...extra,
    hydrate: { schema: { type: 'boolean', default: false }, description: 'Include `metadata`' },
    sort_by: {
      schema: { type: 'string', default: 'created' },
      description: `\`[asc:|desc:]column\`; columns: ${Object.keys(spec.sorts).join(', ')}`,
    },
    logical_operator: { schema: { type: 'string', enum: ['and', 'or'], default: 'and' } },
    page: { schema: { type: 'integer', minimum: 1, default: 1 } },
    size: { schema: { type: 'integer', minimum: 1, maximum: PAGE_SIZE_MAXIMUM, default: PAGE_SIZE_DEFAULT } },
    ...filters,
  };
}

export const projectParams: Record<string, ParamSpec> = {
  project_name_or_id: {
    schema: { type: 'string' },
    description: 'Project (organization) name or id; default: your first project',
  },
  project: { schema: { type: 'string' }, description: 'Same as project_name_or_id; always ANDed' },
  scope_user: {
    schema: { type: 'string', format: 'uuid' },
    description: 'Only entities owned by this user; always ANDed',
  },
};

export const hydrateParam = (fallback: boolean): Record<string, ParamSpec> => ({
  hydrate: { schema: { type: 'boolean', default: fallback } },
});
