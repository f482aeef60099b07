import { isUuid, type Filter, type FilterOp, type FilterValue, type SortKey } from '@pipewright/core';

/**
 * The storage-semantics filter and sort rules over plain objects: what an SQL adapter
 * pushes down to WHERE / ORDER BY, evaluated in memory for the reference adapter.
 */

/** A person a filter may match by id, name or email (pipelines.user, pipelines.latestRunUser). */
export interface PersonValue {
  id: string;
  name: string;
  email: string;
}

/** How a field's value is compared: the core field types plus `person`. */
export type EvalType = 'string' | 'uuid' | 'datetime' | 'int' | 'bool' | 'tags' | 'person';

/**
 * A row flattened to the fields a query can name. `null` is SQL NULL; `undefined` means
 * the joined row is missing, and such a field matches no condition at all.
 */
export type EvalRecord = Record<string, unknown>;

export interface EvalQuery {
  filters: readonly Filter[];
  logical: 'and' | 'or';
  required?: readonly Filter[];
}

const lower = (s: string) => s.toLowerCase();

/** Dates made by structuredClone may come from another realm (jest's sandbox), so no `instanceof`. */
function isDate(value: unknown): value is Date {
  return Object.prototype.toString.call(value) === '[object Date]';
}

function list(value: FilterValue | undefined): FilterValue[] {
  if (Array.isArray(value)) return value;
  return value === undefined || value === null ? [] : [value];
}

function asDate(value: unknown): Date | null {
  if (isDate(value)) return value;
  if (typeof value === 'string' || typeof value === 'number') {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  return null;
}

function asBool(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return null;
}

/** string: equals exact, LIKE-style ops case-insensitive and literal; NULL only matches isempty. */
export function matchString(v: string | null, op: FilterOp, value: FilterValue | undefined): boolean {
  if (op === 'isempty') return v === null;
  if (op === 'isnotempty') return v !== null;
  if (v === null) return false;
  switch (op) {
    case 'equals':
      return v === String(value);
    case 'notequals':
      return v !== String(value);
    case 'contains':
      return lower(v).includes(lower(String(value)));
    case 'notcontains':
      return !lower(v).includes(lower(String(value)));
    case 'startswith':
      return lower(v).startsWith(lower(String(value)));
    case 'endswith':
      return lower(v).endsWith(lower(String(value)));
    case 'oneof':
      return list(value).map(String).includes(v);
    case 'notoneof':
      return !list(value).map(String).includes(v);
    default:
      return false;
  }
}

/** uuid: compared on the canonical lower-case text; a non-uuid never equals a uuid. */
export function matchUuid(v: string | null, op: FilterOp, value: FilterValue | undefined): boolean {
  if (op === 'isempty') return v === null;
  if (op === 'isnotempty') return v !== null;
  if (v === null) return false;
  const text = lower(v);
  switch (op) {
    case 'equals':
      return isUuid(value) && text === lower(value);
    case 'notequals':
      return !isUuid(value) || text !== lower(value);
    case 'oneof':
      return list(value).some((x) => isUuid(x) && lower(x) === text);
    case 'notoneof':
      return !list(value).some((x) => isUuid(x) && lower(x) === text);
    default:
      return matchString(text, op, typeof value === 'string' ? lower(value) : value);
  }
}

export function matchDatetime(v: Date | null, op: FilterOp, value: FilterValue | undefined): boolean {
  if (op === 'isempty') return v === null;
  if (op === 'isnotempty') return v !== null;
  if (v === null) return false;
  const t = v.getTime();
  if (op === 'in') {
    const [from, to] = list(value).map(asDate);
    return !!from && !!to && t >= from.getTime() && t <= to.getTime();
  }
  const d = asDate(value);
  if (!d) return false;
  const x = d.getTime();
  switch (op) {
    case 'equals':
      return t === x;
    case 'notequals':
      return t !== x;
    case 'gt':
      return t > x;
    case 'gte':
      return t >= x;
    case 'lt':
      return t < x;
    case 'lte':
      return t <= x;
    default:
      return false;
  }
}

export function matchInt(v: number | null, op: FilterOp, value: FilterValue | undefined): boolean {
  if (op === 'isempty') return v === null;
  if (op === 'isnotempty') return v !== null;
  if (v === null) return false;
  if (op === 'oneof') return list(value).map(Number).includes(v);
  if (op === 'notoneof') return !list(value).map(Number).includes(v);
  const x = Number(value);
  switch (op) {
    case 'equals':
      return v === x;
    case 'notequals':
      return v !== x;
    case 'gt':
      return v > x;
    case 'gte':
      return v >= x;
    case 'lt':
      return v < x;
    case 'lte':
      return v <= x;
    default:
      return false;
  }
}

export function matchBool(v: boolean | null, op: FilterOp, value: FilterValue | undefined): boolean {
  if (op === 'isempty') return v === null;
  if (op === 'isnotempty') return v !== null;
  if (v === null) return false;
  const b = asBool(value);
  if (b === null) return false;
  if (op === 'equals') return v === b;
  if (op === 'notequals') return v !== b;
  return false;
}

/** tags: each condition is its own EXISTS over the tag names; isempty = no tags. */
export function matchTags(names: readonly string[], op: FilterOp, value: FilterValue | undefined): boolean {
  if (op === 'isempty') return names.length === 0;
  if (op === 'isnotempty') return names.length > 0;
  return names.some((n) => matchString(n, op, value));
}

/** A person matches when the op applies to the name OR the email, or (equals/notequals/oneof with uuids) the id. */
export function matchPerson(p: PersonValue | null, op: FilterOp, value: FilterValue | undefined): boolean {
  if (p === null) return false;
  if (matchString(p.name, op, value) || matchString(p.email, op, value)) return true;
  if (op === 'equals' || op === 'notequals') return isUuid(value) && matchUuid(p.id, op, value);
  if (op === 'oneof') return list(value).some(isUuid) && matchUuid(p.id, op, value);
  return false;
}

export function matchFilter(types: Readonly<Record<string, EvalType>>, row: EvalRecord, filter: Filter): boolean {
  const type = types[filter.field];
  if (type === undefined) throw new Error(`Unknown filter field "${filter.field}".`);
  const v = row[filter.field];
  if (v === undefined) return false;
  switch (type) {
    case 'string':
      return matchString(v as string | null, filter.op, filter.value);
    case 'uuid':
      return matchUuid(v as string | null, filter.op, filter.value);
    case 'datetime':
      return matchDatetime(v as Date | null, filter.op, filter.value);
    case 'int':
      return matchInt(v as number | null, filter.op, filter.value);
    case 'bool':
      return matchBool(v as boolean | null, filter.op, filter.value);
    case 'tags':
      return matchTags(v as string[], filter.op, filter.value);
    case 'person':
      return matchPerson(v as PersonValue | null, filter.op, filter.value);
  }
}

/** `filters` combined with `logical` (zero filters restrict nothing), `required` always ANDed. */
export function matchQuery(types: Readonly<Record<string, EvalType>>, row: EvalRecord, query: EvalQuery): boolean {
  const one = (f: Filter) => matchFilter(types, row, f);
  if (!(query.required ?? []).every(one)) return false;
  if (query.filters.length === 0) return true;
  return query.logical === 'or' ? query.filters.some(one) : query.filters.every(one);
}

type Sortable = string | number | boolean | Date | null | undefined;

function compareValues(a: Sortable, b: Sortable): number {
  const x = isDate(a) ? a.getTime() : a;
  const y = isDate(b) ? b.getTime() : b;
  if (x === y) return 0;
  return (x as string | number) < (y as string | number) ? -1 : 1;
}

/**
 * Orders rows by the keys in turn (NULLs last in both directions), then by `id` asc.
 * `valueOf` gives a row's value for a sort key.
 */
export function sortRows<T extends { id: string }>(
  rows: T[],
  keys: readonly SortKey[],
  valueOf: (row: T, key: string) => Sortable,
): T[] {
  return rows.sort((a, b) => {
    for (const key of keys) {
      const x = valueOf(a, key.field);
      const y = valueOf(b, key.field);
      const xNull = x === null || x === undefined;
      const yNull = y === null || y === undefined;
      if (xNull || yNull) {
        if (xNull && yNull) continue;
        return xNull ? 1 : -1;
      }
      const c = compareValues(x, y);
      if (c !== 0) return key.direction === 'desc' ? -c : c;
    }
    return compareValues(a.id, b.id);
  });
}

/** One page (1-based) and the exact total. */
export function paginate<T>(rows: readonly T[], page: { page: number; size: number }): { items: T[]; total: number } {
  const size = Math.max(0, page.size);
  const offset = Math.max(0, page.page - 1) * size;
  return { items: rows.slice(offset, offset + size), total: rows.length };
}
