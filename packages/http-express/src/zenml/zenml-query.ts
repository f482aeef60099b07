import {
  OPEN_RUN_STATUSES,
  isUuid,
  type Filter,
  type PipelineField,
  type PipelineSort,
  type Query,
  type RunField,
  type RunSort,
  type SortKey,
  type TagField,
  type TagSort,
  type UserField,
  type UserSort,
} from '@pipewright/core';
import type { Request } from 'express';
import { FilterBudget } from '../shared/filter-limits.js';
import { filterError, requestError } from './zenml-errors.js';
import { parseCondition, type Condition, type ZenmlType } from './zenml-filter.js';
import { intParam, param, params } from './zenml-params.js';
import { statusFilter } from './zenml-status.js';

/**
 * ZenML list parameters → a core Query that storage pushes down to SQL. Each resource
 * declares its filter fields (ZenML name → type and core field), its sort columns, and which
 * filters stay ANDed whatever `logical_operator` says (ZenML's scope and latest-run filters).
 */

export const PAGE_SIZE_DEFAULT = 20;
export const PAGE_SIZE_MAXIMUM = 10_000;

interface FieldSpec<F extends string> {
  type: ZenmlType;
  to: F;
  /** Always ANDed (Query.required). */
  required?: boolean;
  /** Values are ZenML ExecutionStatus names, mapped to core statuses. */
  status?: boolean;
  /** A ZenML field core has no column for, said in core terms (e.g. `is_admin` → the member's role). */
  map?: (c: Condition) => Filter<F>;
}

export interface ResourceSpec<F extends string, S extends string> {
  /** The ZenML filter model, named in validation messages. */
  model: string;
  filters: Record<string, FieldSpec<F>>;
  sorts: Record<string, S>;
  /** Filter fields ZenML refuses to sort by ("can not be sorted by this field"). */
  unsortable: readonly string[];
  /** Query parameters the route reads besides the filters (any other is refused, never ignored). */
  params?: readonly string[];
}

export const PIPELINE_LIST: ResourceSpec<PipelineField, PipelineSort> = {
  model: 'PipelineFilter',
  filters: {
    id: { type: 'uuid', to: 'id' },
    created: { type: 'datetime', to: 'createdAt' },
    updated: { type: 'datetime', to: 'updatedAt' },
    name: { type: 'str', to: 'name' },
    tags: { type: 'str', to: 'tags' },
    // The deprecated singular form of `tags`.
    tag: { type: 'str', to: 'tags' },
    user: { type: 'str', to: 'user' },
    latest_run_status: { type: 'str', to: 'latestRunStatus', required: true, status: true },
    latest_run_user: { type: 'str', to: 'latestRunUser', required: true },
  },
  sorts: {
    id: 'id',
    created: 'createdAt',
    updated: 'updatedAt',
    name: 'name',
    latest_run: 'latestRun',
    tags: 'tags',
    user: 'user',
  },
  unsortable: ['tag', 'scope_user', 'project', 'latest_run_status', 'latest_run_user'],
};

export const RUN_LIST: ResourceSpec<RunField, RunSort> = {
  model: 'PipelineRunFilter',
  filters: {
    id: { type: 'uuid', to: 'id' },
    created: { type: 'datetime', to: 'createdAt' },
    updated: { type: 'datetime', to: 'updatedAt' },
    pipeline_id: { type: 'uuid', to: 'pipelineId' },
    status: { type: 'str', to: 'status', status: true },
    // The user who started the run, by id (core keeps no run → user name join).
    user: { type: 'uuid', to: 'triggeredBy' },
    index: { type: 'int', to: 'index' },
    start_time: { type: 'datetime', to: 'startedAt' },
    end_time: { type: 'datetime', to: 'endedAt' },
    // `<pipeline name>-<index>`, or `run-<seq>`: the name runs are shown with.
    name: { type: 'str', to: 'name' },
    pipeline_name: { type: 'str', to: 'pipelineName' },
    // A run's orchestrator run id is its own id (see runView).
    orchestrator_run_id: { type: 'uuid', to: 'id' },
    in_progress: { type: 'bool', to: 'status', map: (c) => inProgressFilter(c) },
  },
  // Core sorts runs by no other column (`id` is only the tie-breaker).
  sorts: {
    created: 'createdAt',
    updated: 'updatedAt',
    index: 'index',
    status: 'status',
    start_time: 'startedAt',
    end_time: 'endedAt',
  },
  unsortable: ['scope_user', 'project', 'user'],
};

/** `in_progress` (bool) as a condition on the status: open runs are the in-progress ones. */
function inProgressFilter(c: Condition): Filter<RunField> {
  if (c.op === 'isempty') return { field: 'id', op: 'isempty' };
  if (c.op === 'isnotempty') return { field: 'id', op: 'isnotempty' };
  const open = (c.op === 'notequals') !== (c.value === true);
  return { field: 'status', op: open ? 'oneof' : 'notoneof', value: [...OPEN_RUN_STATUSES] };
}

/** `is_admin` (bool) as a condition on the member's role. */
function adminFilter(c: Condition): Filter<UserField> {
  if (c.op === 'isempty') return { field: 'id', op: 'isempty' };
  if (c.op === 'isnotempty') return { field: 'id', op: 'isnotempty' };
  const admin = (c.op === 'notequals') !== (c.value === true);
  return { field: 'role', op: admin ? 'equals' : 'notequals', value: 'admin' };
}

/** ZenML's UserFilter: `name` is the login (our email), `full_name` the display name. */
export const USER_LIST: ResourceSpec<UserField, UserSort> = {
  model: 'UserFilter',
  filters: {
    id: { type: 'uuid', to: 'id' },
    created: { type: 'datetime', to: 'createdAt' },
    updated: { type: 'datetime', to: 'updatedAt' },
    name: { type: 'str', to: 'email' },
    full_name: { type: 'str', to: 'name' },
    email: { type: 'str', to: 'email' },
    active: { type: 'bool', to: 'isActive' },
    email_opted_in: { type: 'bool', to: 'emailOptedIn' },
    is_admin: { type: 'bool', to: 'role', map: adminFilter },
  },
  sorts: { id: 'id', created: 'createdAt', updated: 'updatedAt', name: 'email', full_name: 'name', email: 'email' },
  unsortable: ['scope_user', 'active', 'email_opted_in', 'is_admin'],
};

export const TAG_LIST: ResourceSpec<TagField, TagSort> = {
  model: 'TagFilter',
  filters: {
    id: { type: 'uuid', to: 'id' },
    created: { type: 'datetime', to: 'createdAt' },
    updated: { type: 'datetime', to: 'updatedAt' },
    name: { type: 'str', to: 'name' },
    color: { type: 'str', to: 'color' },
    exclusive: { type: 'bool', to: 'exclusive' },
  },
  sorts: { id: 'id', created: 'createdAt', updated: 'updatedAt', name: 'name' },
  unsortable: ['scope_user'],
};

/** Parameters every list route reads (paging, sorting, scope, hydration). */
const LIST_PARAMS = [
  'sort_by',
  'logical_operator',
  'page',
  'size',
  'hydrate',
  'project',
  'project_name_or_id',
  'scope_user',
];

/**
 * A filter this server cannot apply is refused with a 422 naming it: ZenML would filter by
 * it, and answering unfiltered rows as if they matched would be wrong.
 */
function refuseUnknownParams(req: Request, spec: ResourceSpec<string, string>): void {
  for (const name of Object.keys(req.query)) {
    if (Object.hasOwn(spec.filters, name) || LIST_PARAMS.includes(name) || spec.params?.includes(name)) continue;
    throw filterError(
      spec.model,
      name,
      `Value error, This server can not filter ${spec.model.replace(/Filter$/, '')} by '${name}'`,
    );
  }
}

/** BaseFilter.FILTER_EXCLUDE_FIELDS: parameters that are never sort columns. */
const NEVER_SORTED = ['sort_by', 'page', 'size', 'logical_operator'];

/** `sort_by`: `[asc:|desc:]column`; an unknown prefix falls back to ascending, as ZenML logs and does. */
export function sortKey<S extends string>(raw: string, spec: ResourceSpec<string, S>): SortKey<S> {
  const colon = raw.indexOf(':');
  const prefix = colon >= 0 ? raw.slice(0, colon) : null;
  const column = colon >= 0 ? raw.slice(colon + 1) : raw;
  const shown = prefix === 'asc' || prefix === 'desc' ? raw : column;
  const field = Object.hasOwn(spec.sorts, column) ? spec.sorts[column] : undefined;
  if (field) return { field, direction: prefix === 'desc' ? 'desc' : 'asc' };
  if (NEVER_SORTED.includes(column) || spec.unsortable.includes(column))
    throw filterError(spec.model, 'sort_by', `Value error, This resource can not be sorted by this field: '${shown}'`);
  throw filterError(spec.model, 'sort_by', 'Value error, You can only sort by valid fields of this resource');
}

/** `page` (≥ 1) and `size` (1..10000, default 20). */
export function pageParams(req: Request, model: string): { page: number; size: number } {
  const page = intParam(req, 'page', 1);
  const size = intParam(req, 'size', PAGE_SIZE_DEFAULT);
  if (page < 1) throw filterError(model, 'page', 'Input should be greater than or equal to 1');
  if (size < 1) throw filterError(model, 'size', 'Input should be greater than or equal to 1');
  if (size > PAGE_SIZE_MAXIMUM)
    throw filterError(model, 'size', `Input should be less than or equal to ${PAGE_SIZE_MAXIMUM}`);
  return { page, size };
}

function logicalOperator(req: Request): 'and' | 'or' {
  const raw = param(req, 'logical_operator') ?? 'and';
  if (raw === 'and' || raw === 'or') return raw;
  throw requestError([
    { type: 'enum', loc: ['query', 'logical_operator'], msg: "Input should be 'and' or 'or'", input: raw },
  ]);
}

/**
 * The Query for a list route: every value of every filter parameter is its own condition
 * (combined by `logical_operator`), except the resource's required ones, always ANDed.
 * The conditions count against the server's filter limits (FILTER_LIMITS, a 422 past them).
 * `extra` adds required conditions of the route (scope_user, a pipeline from the path).
 */
export function listQuery<F extends string, S extends string>(
  req: Request,
  spec: ResourceSpec<F, S>,
  extra: Filter<F>[] = [],
): Query<F, S> {
  refuseUnknownParams(req, spec);
  const filters: Filter<F>[] = [];
  const required: Filter<F>[] = [...extra];
  const budget = new FilterBudget();
  for (const [name, field] of Object.entries(spec.filters)) {
    for (const raw of params(req, name)) {
      const condition = parseCondition(raw, field.type, spec.model);
      // Each item of a `oneof:[…]` list is a term of its own.
      budget.take(
        name,
        (condition.op === 'oneof' || condition.op === 'notoneof') && Array.isArray(condition.value)
          ? Math.max(1, condition.value.length)
          : 1,
      );
      const filter = field.map
        ? field.map(condition)
        : field.status
          ? (statusFilter(field.to, condition) as Filter<F>)
          : emptyListAware({ field: field.to, ...condition });
      (field.required ? required : filters).push(filter);
    }
  }
  return {
    filters,
    logical: logicalOperator(req),
    required,
    sort: [sortKey(param(req, 'sort_by') ?? 'created', spec)],
    page: pageParams(req, spec.model),
  };
}

/**
 * `oneof:[]` matches nothing and `notoneof:[]` everything (SQL has no empty IN list):
 * both become a condition on the id, which is never empty.
 */
function emptyListAware<F extends string>(filter: Filter<F>): Filter<F> {
  if ((filter.op === 'oneof' || filter.op === 'notoneof') && Array.isArray(filter.value) && filter.value.length === 0)
    return { field: 'id' as F, op: filter.op === 'oneof' ? 'isempty' : 'isnotempty' };
  return filter;
}

/** `scope_user`: a plain UUID (no operators), the owner of the listed entities; always ANDed. */
export function scopeUser<F extends string>(req: Request, field: F): Filter<F>[] {
  const raw = param(req, 'scope_user');
  if (raw === undefined) return [];
  if (!isUuid(raw))
    throw requestError([
      { type: 'uuid_parsing', loc: ['query', 'scope_user'], msg: 'Input should be a valid UUID', input: raw },
    ]);
  return [{ field, op: 'equals', value: raw.toLowerCase() }];
}

/** The project a request is scoped to: `project_name_or_id`, else the `project` filter (name or id). */
export function projectParam(req: Request): string | undefined {
  const raw = param(req, 'project_name_or_id') ?? param(req, 'project');
  if (!raw) return undefined;
  return raw.startsWith('equals:') ? raw.slice('equals:'.length) : raw;
}
