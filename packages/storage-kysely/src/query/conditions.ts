import { escapeLike, isUuid, type FilterOp, type FilterValue } from '@pipewright/core';
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';

/**
 * One filter condition per core field type, as SQL. These are the storage semantics
 * (notes in the conformance kit) written for Postgres: NULL matches only isempty,
 * LIKE-style operators are case-insensitive with the user's wildcards escaped, and a
 * value that cannot be of the column's type yields a constant instead of a cast error
 * (which would abort the caller's transaction).
 */
export type Condition = RawBuilder<SqlBool>;
type Column = Expression<unknown>;

export const TRUE: Condition = sql<SqlBool>`true`;
export const FALSE: Condition = sql<SqlBool>`false`;

export function and(conditions: readonly Condition[]): Condition {
  const parts = conditions.filter((c) => c !== TRUE);
  if (parts.length === 0) return TRUE;
  return parts.length === 1 ? parts[0]! : sql<SqlBool>`(${sql.join(parts, sql` and `)})`;
}

export function or(conditions: readonly Condition[]): Condition {
  const parts = conditions.filter((c) => c !== FALSE);
  if (parts.length === 0) return FALSE;
  return parts.length === 1 ? parts[0]! : sql<SqlBool>`(${sql.join(parts, sql` or `)})`;
}

const isNull = (col: Column): Condition => sql<SqlBool>`${col} is null`;
const notNull = (col: Column): Condition => sql<SqlBool>`${col} is not null`;

function list(value: FilterValue | undefined): FilterValue[] {
  if (Array.isArray(value)) return value;
  return value === undefined || value === null ? [] : [value];
}

const LIKE_PATTERNS: Partial<Record<FilterOp, (v: string) => string>> = {
  contains: (v) => `%${v}%`,
  notcontains: (v) => `%${v}%`,
  startswith: (v) => `${v}%`,
  endswith: (v) => `%${v}`,
};

/** contains / notcontains / startswith / endswith on lower(text): literal, case-insensitive. */
function like(text: Column, op: FilterOp, value: FilterValue | undefined): Condition | null {
  const pattern = LIKE_PATTERNS[op];
  if (!pattern) return null;
  const escaped = pattern(escapeLike(String(value).toLowerCase()));
  const not = op === 'notcontains' ? sql`not ` : sql``;
  return sql<SqlBool>`lower(${text}) ${not}like ${escaped} escape '\\'`;
}

export function stringCondition(col: Column, op: FilterOp, value: FilterValue | undefined): Condition {
  if (op === 'isempty') return isNull(col);
  if (op === 'isnotempty') return notNull(col);
  const patterned = like(col, op, value);
  if (patterned) return patterned;
  const values = list(value).map(String);
  switch (op) {
    case 'equals':
      return sql<SqlBool>`${col} = ${String(value)}`;
    case 'notequals':
      return sql<SqlBool>`${col} <> ${String(value)}`;
    case 'oneof':
      return values.length ? sql<SqlBool>`${col} = any(${values}::text[])` : FALSE;
    case 'notoneof':
      return values.length ? sql<SqlBool>`not (${col} = any(${values}::text[]))` : notNull(col);
    default:
      return FALSE;
  }
}

/** uuid columns: equality on the uuid itself (index-friendly); a non-uuid value equals nothing. */
export function uuidCondition(col: Column, op: FilterOp, value: FilterValue | undefined): Condition {
  if (op === 'isempty') return isNull(col);
  if (op === 'isnotempty') return notNull(col);
  const patterned = like(sql`${col}::text`, op, value);
  if (patterned) return patterned;
  const uuids = list(value)
    .filter(isUuid)
    .map((u) => u.toLowerCase());
  switch (op) {
    case 'equals':
      return isUuid(value) ? sql<SqlBool>`${col} = ${value.toLowerCase()}::uuid` : FALSE;
    case 'notequals':
      return isUuid(value) ? sql<SqlBool>`${col} <> ${value.toLowerCase()}::uuid` : notNull(col);
    case 'oneof':
      return uuids.length ? sql<SqlBool>`${col} = any(${uuids}::uuid[])` : FALSE;
    case 'notoneof':
      return uuids.length ? sql<SqlBool>`not (${col} = any(${uuids}::uuid[]))` : notNull(col);
    default:
      return FALSE;
  }
}

function asDate(value: unknown): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value === 'string' || typeof value === 'number') {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  return null;
}

const COMPARISONS = { equals: '=', notequals: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

export function datetimeCondition(col: Column, op: FilterOp, value: FilterValue | undefined): Condition {
  if (op === 'isempty') return isNull(col);
  if (op === 'isnotempty') return notNull(col);
  if (op === 'in') {
    const [from, to] = list(value).map(asDate);
    return from && to ? sql<SqlBool>`${col} between ${from}::timestamptz and ${to}::timestamptz` : FALSE;
  }
  const at = asDate(value);
  const operator = COMPARISONS[op as keyof typeof COMPARISONS];
  if (!at || !operator) return FALSE;
  return sql<SqlBool>`${col} ${sql.raw(operator)} ${at}::timestamptz`;
}

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const isInt4 = (n: number) => Number.isInteger(n) && n >= INT_MIN && n <= INT_MAX;

/** int columns (int4): bounds outside the type's range become constants, fractions are rounded inward. */
export function intCondition(col: Column, op: FilterOp, value: FilterValue | undefined): Condition {
  if (op === 'isempty') return isNull(col);
  if (op === 'isnotempty') return notNull(col);
  if (op === 'oneof' || op === 'notoneof') {
    const ints = list(value).map(Number).filter(isInt4);
    if (op === 'oneof') return ints.length ? sql<SqlBool>`${col} = any(${ints}::int[])` : FALSE;
    return ints.length ? sql<SqlBool>`not (${col} = any(${ints}::int[]))` : notNull(col);
  }
  const x = Number(value);
  const atLeast = (b: number) => (b > INT_MAX ? FALSE : b <= INT_MIN ? notNull(col) : sql<SqlBool>`${col} >= ${b}`);
  const atMost = (b: number) => (b < INT_MIN ? FALSE : b >= INT_MAX ? notNull(col) : sql<SqlBool>`${col} <= ${b}`);
  if (Number.isNaN(x)) return op === 'notequals' ? notNull(col) : FALSE;
  switch (op) {
    case 'equals':
      return isInt4(x) ? sql<SqlBool>`${col} = ${x}` : FALSE;
    case 'notequals':
      return isInt4(x) ? sql<SqlBool>`${col} <> ${x}` : notNull(col);
    case 'gt':
      return atLeast(Math.floor(x) + 1);
    case 'gte':
      return atLeast(Math.ceil(x));
    case 'lt':
      return atMost(Math.ceil(x) - 1);
    case 'lte':
      return atMost(Math.floor(x));
    default:
      return FALSE;
  }
}

function asBool(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return null;
}

export function boolCondition(col: Column, op: FilterOp, value: FilterValue | undefined): Condition {
  if (op === 'isempty') return isNull(col);
  if (op === 'isnotempty') return notNull(col);
  const b = asBool(value);
  if (b === null) return FALSE;
  if (op === 'equals') return sql<SqlBool>`${col} = ${b}`;
  if (op === 'notequals') return sql<SqlBool>`${col} <> ${b}`;
  return FALSE;
}

/**
 * A person (the user `userId` points at) matches when the op applies to their name OR
 * email, or, for equals/notequals/oneof with uuid values, to their id. No user: no match.
 */
export function personCondition(userId: Column, op: FilterOp, value: FilterValue | undefined): Condition {
  const name = sql.ref('person.name');
  const email = sql.ref('person.email');
  const parts = [stringCondition(name, op, value), stringCondition(email, op, value)];
  const byId =
    ((op === 'equals' || op === 'notequals') && isUuid(value)) || (op === 'oneof' && list(value).some(isUuid));
  if (byId) parts.push(uuidCondition(sql.ref('person.id'), op, value));
  return sql<SqlBool>`exists (select 1 from users person where person.id = ${userId} and ${or(parts)})`;
}

/** Each tag condition is its own EXISTS over the pipeline's tag names; isempty = no tags at all. */
export function tagsCondition(pipelineId: Column, op: FilterOp, value: FilterValue | undefined): Condition {
  if (op === 'isempty' || op === 'isnotempty') {
    const anyTag = sql`select 1 from pipeline_tags tagged where tagged.pipeline_id = ${pipelineId}`;
    return op === 'isempty' ? sql<SqlBool>`not exists (${anyTag})` : sql<SqlBool>`exists (${anyTag})`;
  }
  const name = stringCondition(sql.ref('tag.name'), op, value);
  return sql<SqlBool>`exists (select 1 from pipeline_tags tagged join tags tag on tag.id = tagged.tag_id where tagged.pipeline_id = ${pipelineId} and ${name})`;
}
