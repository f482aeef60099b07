import { ValidationError } from '../errors/domain-error.js';
import { opsForType, type FieldType, type PageRequest, type Query } from '../ports/query.js';

export const MAX_PAGE_SIZE = 10_000;

/**
 * The page for a lookup of `count` ids: one row larger than can match, so the page is never
 * full and adapters know the total without a COUNT query.
 */
export function pageForIds(count: number): PageRequest {
  return { page: 1, size: Math.min(Math.max(count, 1) + 1, MAX_PAGE_SIZE) };
}

/**
 * Rejects a query an adapter could not honour: unknown fields, operators not allowed
 * for the field's type, malformed values, unknown sort keys, bad paging.
 */
export function checkQuery<F extends string, S extends string>(
  q: Query<F, S>,
  fields: Record<F, FieldType>,
  sorts: readonly S[],
): Query<F, S> {
  for (const f of [...q.filters, ...(q.required ?? [])]) {
    const type = fields[f.field];
    if (!type) throw ValidationError.field(String(f.field), `Unknown filter field "${String(f.field)}".`);
    if (!opsForType(type).includes(f.op))
      throw ValidationError.field(
        String(f.field),
        `The operator "${f.op}" is not allowed for ${type} field "${String(f.field)}".`,
      );
    if ((f.op === 'oneof' || f.op === 'notoneof') && !Array.isArray(f.value))
      throw ValidationError.field(String(f.field), `"${f.op}" needs a list of values.`);
    if (f.op === 'in' && (!Array.isArray(f.value) || f.value.length !== 2))
      throw ValidationError.field(String(f.field), '"in" needs two values: from and to.');
    if (f.op !== 'isempty' && f.op !== 'isnotempty' && (f.value === undefined || f.value === null))
      throw ValidationError.field(String(f.field), `"${f.op}" needs a value.`);
  }
  for (const s of q.sort) {
    if (!sorts.includes(s.field))
      throw ValidationError.field('sort_by', 'You can only sort by valid fields of this resource');
  }
  if (!Number.isInteger(q.page.page) || q.page.page < 1) throw ValidationError.field('page', 'Must be an integer ≥ 1.');
  if (!Number.isInteger(q.page.size) || q.page.size < 1 || q.page.size > MAX_PAGE_SIZE)
    throw ValidationError.field('size', `Must be an integer from 1 to ${MAX_PAGE_SIZE}.`);
  return q;
}
