/**
 * A list query in core terms. Adapters must push every part of it down to the
 * store (SQL WHERE / ORDER BY / LIMIT), never filter in memory after loading.
 */
export const FILTER_OPS = [
  'equals',
  'notequals',
  'contains',
  'notcontains',
  'startswith',
  'endswith',
  'oneof',
  'notoneof',
  'isempty',
  'isnotempty',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

export type FilterScalar = string | number | boolean | Date;
export type FilterValue = FilterScalar | FilterScalar[] | null;

/** One condition: `field op value`. `oneof`/`notoneof` take an array, `in` a [from, to] pair (inclusive), `isempty`/`isnotempty` none. */
export interface Filter<F extends string = string> {
  field: F;
  op: FilterOp;
  value?: FilterValue;
}

export interface SortKey<S extends string = string> {
  field: S;
  direction: 'asc' | 'desc';
}

export interface PageRequest {
  /** 1-based page number. */
  page: number;
  size: number;
}

export interface Query<F extends string = string, S extends string = string> {
  /** Combined with `logical`. */
  filters: Filter<F>[];
  logical: 'and' | 'or';
  /** Always ANDed with the rest, whatever `logical` says (scope, project, latest_run_* …). */
  required?: Filter<F>[];
  /** Applied in order; adapters add `id asc` as the final tie-breaker. */
  sort: SortKey<S>[];
  page: PageRequest;
}

export interface Page<T> {
  items: T[];
  /** Exact number of matches across all pages. */
  total: number;
}

/** Which value types a field holds, to check operators before they reach an adapter. */
export type FieldType = 'string' | 'uuid' | 'datetime' | 'int' | 'bool' | 'tags';

const OPS_BY_TYPE: Record<FieldType, readonly FilterOp[]> = {
  string: [
    'equals',
    'notequals',
    'contains',
    'notcontains',
    'startswith',
    'endswith',
    'oneof',
    'notoneof',
    'isempty',
    'isnotempty',
  ],
  uuid: [
    'equals',
    'notequals',
    'contains',
    'notcontains',
    'startswith',
    'endswith',
    'oneof',
    'notoneof',
    'isempty',
    'isnotempty',
  ],
  datetime: ['equals', 'notequals', 'isempty', 'isnotempty', 'gt', 'gte', 'lt', 'lte', 'in'],
  int: ['equals', 'notequals', 'isempty', 'isnotempty', 'gt', 'gte', 'lt', 'lte', 'oneof', 'notoneof'],
  bool: ['equals', 'notequals', 'isempty', 'isnotempty'],
  tags: [
    'equals',
    'notequals',
    'contains',
    'notcontains',
    'startswith',
    'endswith',
    'oneof',
    'notoneof',
    'isempty',
    'isnotempty',
  ],
};

export function opsForType(type: FieldType): readonly FilterOp[] {
  return OPS_BY_TYPE[type];
}

export function query<F extends string, S extends string>(partial: Partial<Query<F, S>> = {}): Query<F, S> {
  return {
    filters: partial.filters ?? [],
    logical: partial.logical ?? 'and',
    required: partial.required ?? [],
    sort: partial.sort ?? [],
    page: partial.page ?? { page: 1, size: 50 },
  };
}

/** Escapes `%`, `_` and `\` so user input is matched literally in a LIKE pattern. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
