import { RUN_STATUSES, type Filter, type RunStatus } from '@pipewright/core';
import type { Condition } from './zenml-filter.js';

/** Core run statuses under ZenML's ExecutionStatus names. */
export const ZENML_STATUS: Record<RunStatus, string> = {
  PENDING: 'initializing',
  EXECUTING: 'running',
  COMPLETED: 'completed',
  ERROR: 'failed',
  STOPPING: 'stopping',
  STOPPED: 'stopped',
};

/** Every ExecutionStatus a ZenML client may name (the dashboard's core.ts); most have no core counterpart. */
export const EXECUTION_STATUSES = [
  'initializing',
  'provisioning',
  'queued',
  'running',
  'failed',
  'completed',
  'cached',
  'skipped',
  'retrying',
  'retried',
  'cancelling',
  'cancelled',
  'paused',
  'resuming',
  'stopped',
  'stopping',
] as const;

function holds(name: string, c: Condition): boolean {
  const v = String(c.value ?? '').toLowerCase();
  const list = Array.isArray(c.value) ? c.value.map((x) => String(x)) : [];
  switch (c.op) {
    case 'equals':
      return name === c.value;
    case 'notequals':
      return name !== c.value;
    case 'contains':
      return name.includes(v);
    case 'notcontains':
      return !name.includes(v);
    case 'startswith':
      return name.startsWith(v);
    case 'endswith':
      return name.endsWith(v);
    case 'oneof':
      return list.includes(name);
    case 'notoneof':
      return !list.includes(name);
    case 'isnotempty':
      return true;
    default:
      // isempty: a run always has a status.
      return false;
  }
}

/**
 * A condition on a ZenML status name as a core filter: the condition is decided over the
 * (finite) set of names, and the core statuses whose names hold become a `oneof`. When none
 * holds, the filter matches no row (ids are never empty).
 */
export function statusFilter<F extends string>(field: F, c: Condition): Filter<F> | Filter<'id'> {
  const matching = RUN_STATUSES.filter((s) => holds(ZENML_STATUS[s], c));
  if (!matching.length) return { field: 'id', op: 'isempty' };
  return { field, op: 'oneof', value: [...matching] };
}
