import type { Filter, PageRequest, SortKey } from '@pipewright/core';
import { sql, type SelectQueryBuilder } from 'kysely';
import { and, or, type Condition } from './conditions.js';
import type { FieldCondition, SortColumn } from './fields.js';

/**
 * Filter / sort / page of a core Query, pushed down to SQL: WHERE from the field
 * tables in fields.ts, ORDER BY with NULLS LAST and `id` as the tie-breaker, LIMIT/OFFSET,
 * and the exact total.
 */

/** `required` ANDed, `filters` combined with `logical` ('or' over none restricts nothing). */
export function matching(
  query: { filters: readonly Filter[]; logical: 'and' | 'or'; required?: readonly Filter[] },
  fields: Readonly<Record<string, FieldCondition>>,
): Condition {
  const one = (f: Filter): Condition => {
    const build = fields[f.field];
    if (!build) throw new Error(`Unknown filter field "${f.field}".`);
    return build(f.op, f.value);
  };
  const chosen = query.filters.map(one);
  const combined = chosen.length === 0 ? [] : [query.logical === 'or' ? or(chosen) : and(chosen)];
  return and([...(query.required ?? []).map(one), ...combined]);
}

type AnySelect = SelectQueryBuilder<any, any, any>;

/** ORDER BY the keys in turn (unknown keys ignored), then `id` ascending. */
export function ordered<Q extends AnySelect>(
  qb: Q,
  sort: readonly SortKey[],
  sorts: Readonly<Record<string, SortColumn>>,
  id: string,
): Q {
  let out: AnySelect = qb;
  for (const key of sort) {
    const column = sorts[key.field];
    if (!column) continue;
    out =
      key.direction === 'desc'
        ? out.orderBy(column.expr, (o) => (column.nullable ? o.desc().nullsLast() : o.desc()))
        : out.orderBy(column.expr, (o) => o.asc());
  }
  return out.orderBy(sql.ref(id), 'asc') as Q;
}

export function bounds(page: PageRequest): { limit: number; offset: number } {
  const size = Math.max(0, Math.floor(page.size));
  const number = Math.max(1, Math.floor(page.page));
  return { limit: size, offset: (number - 1) * size };
}

/** LIMIT / OFFSET of a 1-based page. */
export function paged<Q extends AnySelect>(qb: Q, page: PageRequest): Q {
  const { limit, offset } = bounds(page);
  return qb.limit(limit).offset(offset) as Q;
}

/**
 * The exact number of rows `filtered` matches. A page that is neither empty nor full
 * already tells it, which saves the COUNT for most small lists; `count`, when given, is a
 * cheaper exact source (a maintained counter) used instead of COUNT.
 */
export async function total(
  filtered: AnySelect,
  page: PageRequest,
  itemsOnPage: number,
  count?: () => Promise<number>,
): Promise<number> {
  const { limit, offset } = bounds(page);
  if (itemsOnPage < limit && (itemsOnPage > 0 || offset === 0)) return offset + itemsOnPage;
  if (count) return count();
  const row = await filtered.select(sql<number>`count(*)::int`.as('total')).executeTakeFirstOrThrow();
  return (row as { total: number }).total;
}
