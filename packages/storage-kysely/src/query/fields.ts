import type {
  ConnectionField,
  ConnectionSort,
  FileHistoryField,
  FileHistorySort,
  FilterOp,
  FilterValue,
  PipelineField,
  PipelineSort,
  RunField,
  RunSort,
  TagField,
  TagSort,
  UserField,
  UserSort,
  WorkflowField,
  WorkflowSort,
} from '@pipewright/core';
import { sql, type Expression, type SqlBool } from 'kysely';
import {
  and,
  boolCondition,
  datetimeCondition,
  intCondition,
  personCondition,
  stringCondition,
  tagsCondition,
  uuidCondition,
  type Condition,
} from './conditions.js';

/**
 * What each filterable field and sort key of a list means in SQL, per table alias
 * (pipelines `p`, runs `r`, workflows `w`, file histories `fh`, tags `t`, connections `c`).
 */
export type FieldCondition = (op: FilterOp, value: FilterValue | undefined) => Condition;
export interface SortColumn {
  expr: Expression<unknown>;
  /** Nullable keys get NULLS LAST when descending (ascending puts them last already). */
  nullable: boolean;
}

type ConditionOf = (col: Expression<unknown>, op: FilterOp, value: FilterValue | undefined) => Condition;
const on =
  (condition: ConditionOf, col: Expression<unknown>): FieldCondition =>
  (op, value) =>
    condition(col, op, value);
const sortBy = (expr: Expression<unknown>, nullable = false): SortColumn => ({ expr, nullable });

const p = (column: string) => sql.ref(`p.${column}`);
export const PIPELINE_FILTERS: Record<PipelineField, FieldCondition> = {
  id: on(uuidCondition, p('id')),
  seq: on(intCondition, p('seq')),
  name: on(stringCondition, p('name')),
  description: on(stringCondition, p('description')),
  type: on(stringCondition, p('type')),
  workflowId: on(uuidCondition, p('workflow_id')),
  ownerId: on(uuidCondition, p('owner_id')),
  user: on(personCondition, p('owner_id')),
  enabled: on(boolCondition, p('enabled')),
  scheduled: on(boolCondition, sql`(${p('schedule')} is not null)`),
  createdAt: on(datetimeCondition, p('created_at')),
  updatedAt: on(datetimeCondition, p('updated_at')),
  lastRunAt: on(datetimeCondition, p('last_run_at')),
  tags: on(tagsCondition, p('id')),
  // A pipeline without a latest run matches no condition on it (not even isempty).
  latestRunStatus: (op, value) =>
    and([sql<SqlBool>`${p('last_run_id')} is not null`, stringCondition(p('last_run_status'), op, value)]),
  latestRunUser: (op, value) =>
    sql<SqlBool>`exists (select 1 from runs latest where latest.id = ${p('last_run_id')} and ${personCondition(sql.ref('latest.triggered_by'), op, value)})`,
  search: on(stringCondition, p('name')),
};
export const PIPELINE_SORTS: Record<PipelineSort, SortColumn> = {
  createdAt: sortBy(p('created_at')),
  updatedAt: sortBy(p('updated_at')),
  name: sortBy(p('name')),
  id: sortBy(p('id')),
  seq: sortBy(p('seq')),
  type: sortBy(p('type')),
  runCount: sortBy(p('run_count')),
  lastRunAt: sortBy(p('last_run_at'), true),
  latestRun: sortBy(sql`coalesce(${p('last_run_at')}, ${p('created_at')})`),
  user: sortBy(sql`(select owner.name from users owner where owner.id = ${p('owner_id')})`, true),
  tags: sortBy(
    sql`(select min(tag.name) from pipeline_tags tagged join tags tag on tag.id = tagged.tag_id where tagged.pipeline_id = ${p('id')})`,
    true,
  ),
};

const r = (column: string) => sql.ref(`r.${column}`);
export const RUN_FILTERS: Record<RunField, FieldCondition> = {
  id: on(uuidCondition, r('id')),
  seq: on(intCondition, r('seq')),
  pipelineId: on(uuidCondition, r('pipeline_id')),
  workflowId: on(uuidCondition, r('workflow_id')),
  status: on(stringCondition, r('status')),
  trigger: on(stringCondition, r('trigger')),
  triggeredBy: on(uuidCondition, r('triggered_by')),
  index: on(intCondition, r('run_index')),
  createdAt: on(datetimeCondition, r('created_at')),
  updatedAt: on(datetimeCondition, r('updated_at')),
  startedAt: on(datetimeCondition, r('started_at')),
  endedAt: on(datetimeCondition, r('ended_at')),
  name: on(
    stringCondition,
    sql`coalesce((select rp.name from pipelines rp where rp.id = ${r('pipeline_id')}) || '-' || ${r('run_index')}, 'run-' || ${r('seq')})`,
  ),
  pipelineName: on(stringCondition, sql`(select rp.name from pipelines rp where rp.id = ${r('pipeline_id')})`),
};
export const RUN_SORTS: Record<RunSort, SortColumn> = {
  createdAt: sortBy(r('created_at')),
  updatedAt: sortBy(r('updated_at')),
  seq: sortBy(r('seq')),
  index: sortBy(r('run_index'), true),
  status: sortBy(r('status')),
  startedAt: sortBy(r('started_at'), true),
  endedAt: sortBy(r('ended_at'), true),
};

const w = (column: string) => sql.ref(`w.${column}`);
export const WORKFLOW_FILTERS: Record<WorkflowField, FieldCondition> = {
  id: on(uuidCondition, w('id')),
  name: on(stringCondition, w('name')),
  description: on(stringCondition, w('description')),
  ownerId: on(uuidCondition, w('owner_id')),
  isActive: on(boolCondition, w('is_active')),
  deploymentType: on(stringCondition, w('deployment_type')),
  createdAt: on(datetimeCondition, w('created_at')),
  updatedAt: on(datetimeCondition, w('updated_at')),
  search: on(stringCondition, w('name')),
};
export const WORKFLOW_SORTS: Record<WorkflowSort, SortColumn> = {
  createdAt: sortBy(w('created_at')),
  updatedAt: sortBy(w('updated_at')),
  name: sortBy(w('name')),
  id: sortBy(w('id')),
};

const fh = (column: string) => sql.ref(`fh.${column}`);
export const FILE_HISTORY_FILTERS: Record<FileHistoryField, FieldCondition> = {
  id: on(uuidCondition, fh('id')),
  status: on(stringCondition, fh('status')),
  executionCount: on(intCondition, fh('execution_count')),
  filePath: on(stringCondition, fh('file_path')),
  cacheKey: on(stringCondition, fh('cache_key')),
  createdAt: on(datetimeCondition, fh('created_at')),
  updatedAt: on(datetimeCondition, fh('updated_at')),
};
export const FILE_HISTORY_SORTS: Record<FileHistorySort, SortColumn> = {
  createdAt: sortBy(fh('created_at')),
  updatedAt: sortBy(fh('updated_at')),
  filePath: sortBy(fh('file_path')),
  executionCount: sortBy(fh('execution_count')),
};

const t = (column: string) => sql.ref(`t.${column}`);
export const TAG_FILTERS: Record<TagField, FieldCondition> = {
  id: on(uuidCondition, t('id')),
  name: on(stringCondition, t('name')),
  color: on(stringCondition, t('color')),
  exclusive: on(boolCondition, t('exclusive')),
  createdAt: on(datetimeCondition, t('created_at')),
  updatedAt: on(datetimeCondition, t('updated_at')),
};
export const TAG_SORTS: Record<TagSort, SortColumn> = {
  createdAt: sortBy(t('created_at')),
  updatedAt: sortBy(t('updated_at')),
  name: sortBy(t('name')),
  id: sortBy(t('id')),
};

/** Members: users `u` joined with their membership `m` in the organization. */
const u = (column: string) => sql.ref(`u.${column}`);
export const USER_FILTERS: Record<UserField, FieldCondition> = {
  id: on(uuidCondition, u('id')),
  email: on(stringCondition, u('email')),
  name: on(stringCondition, u('name')),
  isActive: on(boolCondition, u('is_active')),
  emailOptedIn: on(boolCondition, u('email_opted_in')),
  role: on(stringCondition, sql.ref('m.role')),
  createdAt: on(datetimeCondition, u('created_at')),
  updatedAt: on(datetimeCondition, u('updated_at')),
};
export const USER_SORTS: Record<UserSort, SortColumn> = {
  createdAt: sortBy(u('created_at')),
  updatedAt: sortBy(u('updated_at')),
  email: sortBy(u('email')),
  name: sortBy(u('name')),
  id: sortBy(u('id')),
};

const c = (column: string) => sql.ref(`c.${column}`);
export const CONNECTION_FILTERS: Record<ConnectionField, FieldCondition> = {
  id: on(uuidCondition, c('id')),
  seq: on(intCondition, c('seq')),
  name: on(stringCondition, c('name')),
  kind: on(stringCondition, c('kind')),
  createdAt: on(datetimeCondition, c('created_at')),
  updatedAt: on(datetimeCondition, c('updated_at')),
  search: on(stringCondition, c('name')),
};
export const CONNECTION_SORTS: Record<ConnectionSort, SortColumn> = {
  createdAt: sortBy(c('created_at')),
  updatedAt: sortBy(c('updated_at')),
  name: sortBy(c('name')),
  id: sortBy(c('id')),
  seq: sortBy(c('seq')),
};
