import { FILTER } from '../stage-tally.js';
import { describeJsonataError, type Expression } from './jsonata-expression.js';
import { fail, pass, type RecordStage } from './record-stage.js';

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

/** Filter: records for which the expression is false are filtered out (failed). */
export function filterStage(expression: Expression): RecordStage {
  return {
    index: FILTER,
    async apply(record) {
      let result: unknown;
      try {
        result = await expression.evaluate(record);
      } catch (e) {
        return fail(`filter expression failed: ${describeJsonataError(e)}`);
      }
      return jsonataTruthy(result) ? pass(record) : fail(FILTERED_OUT);
    },
  };
}
