import { FILTER_OPS, type FilterOp, type FilterValue } from '@pipewright/core';
import { filterError } from './zenml-errors.js';
import { pyRepr } from './zenml-python.js';

/**
 * ZenML's filter value grammar (models/v2/base/filter.py): `[op:]value`, where the prefix
 * counts only when it names an operator; `oneof:`/`notoneof:` take a JSON list,
 * `isempty:`/`isnotempty:` no value, `in:` two comma-separated datetimes. Each field has a
 * ZenML type that decides which operators it allows and how its value is read.
 */
export type ZenmlType = 'str' | 'uuid' | 'datetime' | 'int' | 'bool';

const STR_OPS: readonly FilterOp[] = [
  'equals',
  'notequals',
  'startswith',
  'contains',
  'endswith',
  'oneof',
  'notoneof',
  'notcontains',
  'isempty',
  'isnotempty',
];

/**
 * Operators per type. ZenML also lets string fields use gt/gte/lt/lte (comparing them as
 * floats); core string fields have no such comparison, so they are refused here.
 */
const ALLOWED_OPS: Record<ZenmlType, readonly FilterOp[]> = {
  str: STR_OPS,
  uuid: STR_OPS,
  datetime: ['equals', 'notequals', 'isempty', 'isnotempty', 'gt', 'gte', 'lt', 'lte', 'in'],
  int: ['equals', 'notequals', 'isempty', 'isnotempty', 'gt', 'gte', 'lt', 'lte'],
  bool: ['equals', 'notequals', 'isempty', 'isnotempty'],
};

export const FILTERING_DATETIME_FORMAT = '%Y-%m-%d %H:%M:%S';

const ONEOF_ERROR =
  "When you are using the 'oneof:'/'notoneof:' filtering make sure that the provided value is a json formatted list.";
const NO_VALUE_ERROR =
  "When using 'isempty:'/'isnotempty:', use the explicit 'operator:' form without a value (e.g. 'isempty:').";
const DATETIME_ERROR = `The datetime filter only works with values in the following format: ${FILTERING_DATETIME_FORMAT}`;

/** One parsed condition: a core operator and a value in core terms. */
export interface Condition {
  op: FilterOp;
  value?: FilterValue;
}

// FILTERING_DATETIME_FORMAT, read as strptime does (UTC: ZenML stores naive UTC times).
const STRICT_RE = /^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})$/;
// What pydantic accepts for a datetime: ISO 8601 with `T` or a space, optional fractions and offset.
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

function utc(parts: (string | undefined)[], offset?: string): Date | null {
  const [y, mo, d, h, mi, s] = parts.slice(0, 6).map((p) => (p === undefined ? 0 : Number(p))) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = parts[6] ? Math.round(Number(`0.${parts[6]}`) * 1000) : 0;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const check = new Date(t);
  // Date.UTC rolls 2024-02-30 over to March; a real date keeps its fields.
  if (
    check.getUTCFullYear() !== y ||
    check.getUTCMonth() !== mo - 1 ||
    check.getUTCDate() !== d ||
    h > 23 ||
    mi > 59 ||
    s > 59
  )
    return null;
  if (!offset || offset.toUpperCase() === 'Z') return check;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(offset)!;
  const minutes = (Number(m[2]) * 60 + Number(m[3])) * (m[1] === '-' ? -1 : 1);
  return new Date(t - minutes * 60_000);
}

/** `%Y-%m-%d %H:%M:%S` in UTC, or null. */
export function parseStrictDatetime(value: string): Date | null {
  const m = STRICT_RE.exec(value.trim());
  return m ? utc(m.slice(1, 7)) : null;
}

/** An ISO 8601 datetime (naive values are UTC), or null. */
export function parseIsoDatetime(value: string): Date | null {
  const m = ISO_RE.exec(value.trim());
  return m ? utc(m.slice(1, 8), m[8]) : null;
}

/** Splits `op:value` the way ZenML's `_resolve_operator` does. */
function resolveOperator(raw: string): { op: FilterOp; value: string } {
  const colon = raw.indexOf(':');
  const prefix = colon >= 0 ? raw.slice(0, colon) : '';
  if (colon >= 0 && (FILTER_OPS as readonly string[]).includes(prefix))
    return { op: prefix as FilterOp, value: raw.slice(colon + 1) };
  return { op: 'equals', value: raw };
}

function jsonList(value: string): unknown[] | null {
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/**
 * Parses one filter value for a field of the given type, or throws ZenML's 422 (the
 * filter model's validation error). `model` names the filter model in the message.
 */
export function parseCondition(raw: string, type: ZenmlType, model: string): Condition {
  const fail = (message: string) => filterError(model, null, `Value error, ${message}`);
  // Pydantic reads a bare datetime value before the operator grammar sees it.
  if (type === 'datetime') {
    const bare = parseIsoDatetime(raw);
    if (bare) return { op: 'equals', value: bare };
  }
  const { op, value } = resolveOperator(raw);
  if (op === 'isempty' || op === 'isnotempty') {
    if (value) throw fail(NO_VALUE_ERROR);
  }
  let list: unknown[] | null = null;
  if (op === 'oneof' || op === 'notoneof') {
    list = jsonList(value);
    if (!list) throw fail(ONEOF_ERROR);
  }
  if (!ALLOWED_OPS[type].includes(op))
    throw fail(
      `This datatype can not be filtered using this operation: '${op}'. The allowed operations are: ${pyRepr([...ALLOWED_OPS[type]])}`,
    );
  if (op === 'isempty' || op === 'isnotempty') return { op };
  if (list) return { op, value: list.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))) };
  switch (type) {
    case 'str':
    case 'uuid':
      return { op, value };
    case 'datetime':
      return datetimeCondition(op, value, fail);
    case 'int':
      if (!/^\s*[+-]?\d+\s*$/.test(value)) throw fail(`invalid literal for int() with base 10: ${pyRepr(value)}`);
      return { op, value: Number.parseInt(value, 10) };
    case 'bool': {
      const v = value.toLowerCase();
      if (v === 'true' || v === '1') return { op, value: true };
      if (v === 'false' || v === '0') return { op, value: false };
      throw fail(`Unable to parse boolean filter value '${value}'.`);
    }
  }
}

function datetimeCondition(op: FilterOp, value: string, fail: (m: string) => Error): Condition {
  if (value.includes(',')) {
    const comma = value.indexOf(',');
    const from = parseStrictDatetime(value.slice(0, comma));
    const to = parseStrictDatetime(value.slice(comma + 1));
    if (!from || !to) throw fail(DATETIME_ERROR);
    if (op !== 'in') throw fail(`Only a single datetime value is allowed for operator ${op}.`);
    return { op, value: [from, to] };
  }
  const at = parseStrictDatetime(value);
  if (!at) throw fail(DATETIME_ERROR);
  if (op === 'in') throw fail('Two comma separated datetime values are required for the `in` operator.');
  return { op, value: at };
}
