import { describeErrors } from './json-schema.js';
import { describeJsonataError, type Expression } from './jsonata-expression.js';
import { fail, pass, type StageOutcome } from './record-stage.js';
import type { ValidateFunction } from 'ajv';

/*
 * What each tenant-defined stage does to one record, with its exact failure reasons.
 * StageChain (in-thread) and the stage sandbox (in a child process) both use these, so
 * their results cannot drift apart. Nothing here imports @pipewright/core at run time:
 * the sandbox's child process loads this file on its own.
 */

export const FILTERED_OUT = 'filtered out';

/** JSONata's $boolean(): how a filter result decides whether the record goes on. */
export function jsonataTruthy(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.some(jsonataTruthy);
  if (typeof value === 'string') return value.length > 0;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'function') return false;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}

/** InputValidation / OutputValidation: a record that violates the schema fails. */
export function validateRecord(validate: ValidateFunction, record: unknown): StageOutcome {
  return validate(record) ? pass(record) : fail(`schema violation: ${describeErrors(validate.errors)}`);
}

/** Filter: records for which the expression is false are filtered out (failed). */
export async function filterRecord(expression: Expression, record: unknown): Promise<StageOutcome> {
  let result: unknown;
  try {
    result = await expression.evaluate(record);
  } catch (e) {
    return fail(`filter expression failed: ${describeJsonataError(e)}`);
  }
  return jsonataTruthy(result) ? pass(record) : fail(FILTERED_OUT);
}

/** Transformation by a JSONata mapping expression; no result fails the record. */
export async function transformRecord(expression: Expression, record: unknown): Promise<StageOutcome> {
  let result: unknown;
  try {
    result = await expression.evaluate(record);
  } catch (e) {
    return fail(`transformation failed: ${describeJsonataError(e)}`);
  }
  return result === undefined ? fail('transformation produced no value') : pass(result);
}
