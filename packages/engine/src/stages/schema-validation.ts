import type { ValidateFunction } from 'ajv';
import type { StageIndex } from '../stage-tally.js';
import type { RecordStage } from './record-stage.js';
import { validateRecord } from './record-outcomes.js';

/** InputValidation / OutputValidation: a record that violates the schema fails the stage. */
export function schemaValidationStage(index: StageIndex, validate: ValidateFunction): RecordStage {
  return { index, apply: (record) => validateRecord(validate, record) };
}
