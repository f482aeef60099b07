import {
  LOG_LEVELS,
  ValidationError,
  isUuid,
  query,
  type FileHistoryField,
  type FileHistoryQuery,
  type Filter,
  type LogLevel,
  type PageRequest,
  type PipelineField,
  type PipelineQuery,
  type PipelineSort,
  type RunField,
  type RunQuery,
  type SortKey,
  type WorkflowQuery,
} from '@pipewright/core';
import type { Request } from 'express';
import { FilterBudget } from '../shared/filter-limits.js';
import { single } from '../shared/request-url.js';
import type { UnstractFileHistoryClearDto } from './unstract-dtos.js';

/** Unstract's list parameters → core Queries (storage pushes every part of them down). */

const param = (req: Request, name: string): string | undefined => {
  const v = single(req.query[name]);
  return v === undefined || v === '' ? undefined : v;
};

function uuidParam(req: Request, name: string): string | undefined {
  const v = param(req, name);
  if (v !== undefined && !isUuid(v)) throw ValidationError.field(name, `“${v}” is not a valid UUID.`);
  return v;
}

function intParam(req: Request, name: string): number | undefined {
  const v = param(req, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw ValidationError.field(name, 'A valid integer is required.');
  return Number(v);
}

function boolParam(req: Request, name: string): boolean | undefined {
  const v = param(req, name)?.toLowerCase();
  if (v === undefined) return undefined;
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  throw ValidationError.field(name, 'Must be a valid boolean.');
}

function dateParam(req: Request, name: string): Date | undefined {
  const v = param(req, name);
  if (v === undefined) return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw ValidationError.field(name, 'Enter a valid date/time.');
  return d;
}

const PIPELINE_ORDERING: Record<string, PipelineSort> = {
  created_at: 'createdAt',
  last_run_time: 'lastRunAt',
  pipeline_name: 'name',
  run_count: 'runCount',
};

/** Default: last run time, newest first (never-run pipelines last), then newest created. */
const PIPELINE_DEFAULT_SORT: SortKey<PipelineSort>[] = [
  { field: 'lastRunAt', direction: 'desc' },
  { field: 'createdAt', direction: 'desc' },
];

/** `?ordering=-run_count,pipeline_name`; unknown fields are dropped, as DRF's OrderingFilter does. */
function pipelineOrdering(raw: string | undefined): SortKey<PipelineSort>[] {
  const keys = (raw ?? '')
    .split(',')
    .map((t) => t.trim())
    .flatMap((t): SortKey<PipelineSort>[] => {
      const field = PIPELINE_ORDERING[t.replace(/^-/, '')];
      return field ? [{ field, direction: t.startsWith('-') ? 'desc' : 'asc' }] : [];
    });
  return keys.length ? keys : PIPELINE_DEFAULT_SORT;
}

/** `GET pipeline/`: filters `type`, `workflow`, `search`, `pipeline_name`; `ordering`. */
export function pipelineListQuery(req: Request, page: PageRequest): PipelineQuery {
  const filters: Filter<PipelineField>[] = [];
  const type = param(req, 'type');
  const workflow = uuidParam(req, 'workflow');
  const search = param(req, 'search');
  const name = param(req, 'pipeline_name');
  if (type) filters.push({ field: 'type', op: 'equals', value: type.toUpperCase() });
  if (workflow) filters.push({ field: 'workflowId', op: 'equals', value: workflow });
  if (search) filters.push({ field: 'search', op: 'contains', value: search });
  if (name) filters.push({ field: 'name', op: 'equals', value: name });
  return query({ filters, sort: pipelineOrdering(param(req, 'ordering')), page });
}

/**
 * `GET workflow/`: filters `workflow_owner`, `is_active`, `workflow_name`, `search`; newest change first.
 * `ownerId`: the owner the route resolved from an int `workflow_owner` (Unstract's user ids).
 */
export function workflowListQuery(req: Request, page: PageRequest, ownerId?: string): WorkflowQuery {
  const filters: WorkflowQuery['filters'] = [];
  const owner = ownerId ?? uuidParam(req, 'workflow_owner');
  const active = boolParam(req, 'is_active');
  const name = param(req, 'workflow_name');
  const search = param(req, 'search');
  if (owner) filters.push({ field: 'ownerId', op: 'equals', value: owner });
  if (active !== undefined) filters.push({ field: 'isActive', op: 'equals', value: active });
  if (name) filters.push({ field: 'name', op: 'equals', value: name });
  if (search) filters.push({ field: 'search', op: 'contains', value: search });
  return query({ filters, sort: [{ field: 'updatedAt', direction: 'desc' }], page });
}

/** Executions newest first; `start_date` and `end_date` together bound the creation time. */
export function executionListQuery(req: Request, page: PageRequest, scope?: Filter<RunField>): RunQuery {
  const start = dateParam(req, 'start_date');
  const end = dateParam(req, 'end_date');
  const filters: RunQuery['filters'] = start && end ? [{ field: 'createdAt', op: 'in', value: [start, end] }] : [];
  return query({ filters, required: scope ? [scope] : [], sort: [{ field: 'createdAt', direction: 'desc' }], page });
}

/** `GET …/file-histories/`: `status` (comma list), `execution_count_min`/`_max`, `file_path` (prefix). */
export function fileHistoryListQuery(req: Request, page: PageRequest): FileHistoryQuery {
  const status = param(req, 'status')
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  // Each status of the list is a term of its own (the server's filter limits).
  if (status) new FilterBudget().take('status', status.length);
  const filters = fileHistoryFilters({
    status,
    execution_count_min: intParam(req, 'execution_count_min'),
    execution_count_max: intParam(req, 'execution_count_max'),
    file_path: param(req, 'file_path'),
  });
  return query({ filters, sort: [{ field: 'createdAt', direction: 'desc' }], page });
}

/** The criteria of a file-history list or clear, as core filters (all ANDed). */
export function fileHistoryFilters(c: Partial<UnstractFileHistoryClearDto>): Filter<FileHistoryField>[] {
  const filters: Filter<FileHistoryField>[] = [];
  if (c.ids?.length) filters.push({ field: 'id', op: 'oneof', value: c.ids });
  if (c.status?.length) filters.push({ field: 'status', op: 'oneof', value: c.status.map((s) => s.toUpperCase()) });
  if (c.execution_count_min !== undefined && c.execution_count_min !== null)
    filters.push({ field: 'executionCount', op: 'gte', value: c.execution_count_min });
  if (c.execution_count_max !== undefined && c.execution_count_max !== null)
    filters.push({ field: 'executionCount', op: 'lte', value: c.execution_count_max });
  if (c.file_path) filters.push({ field: 'filePath', op: 'startswith', value: c.file_path });
  return filters;
}

/** `GET workflow/execution/{id}/logs/`: `log_level` is a minimum; `file_execution_id` a UUID or `null`. */
export function logFilter(req: Request): { minLevel?: LogLevel; fileExecutionId?: string | null } {
  const level = param(req, 'log_level')?.toUpperCase();
  if (level !== undefined && !LOG_LEVELS.includes(level as LogLevel))
    throw ValidationError.field('log_level', `"${level}" is not a valid choice.`, 'invalid_choice');
  const file = param(req, 'file_execution_id');
  if (file !== undefined && file !== 'null' && !isUuid(file))
    throw ValidationError.field('file_execution_id', `“${file}” is not a valid UUID.`);
  return {
    ...(level ? { minLevel: level as LogLevel } : {}),
    ...(file !== undefined ? { fileExecutionId: file === 'null' ? null : file } : {}),
  };
}
