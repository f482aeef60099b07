import { FILTER } from '../stage-tally.js';
import type { Expression } from './jsonata-expression.js';
import type { RecordStage } from './record-stage.js';
import { filterRecord } from './record-outcomes.js';

export { FILTERED_OUT, jsonataTruthy } from './record-outcomes.js';

/** Filter: records for which the expression is false are filtered out (failed). */
export function filterStage(expression: Expression): RecordStage {
  return { index: FILTER, apply: (record) => filterRecord(expression, record) };
}
