import type { ValidateFunction } from 'ajv';
import type { StageIndex } from '../stage-tally.js';
import { describeErrors } from './json-schema.js';
import { fail, pass, type RecordStage } from './record-stage.js';

/** InputValidation / OutputValidation: a record that violates the schema fails the stage. */
export function schemaValidationStage(index: StageIndex, validate: ValidateFunction): RecordStage {
  return {
    index,
    apply(record) {
      return validate(record) ? pass(record) : fail(`schema violation: ${describeErrors(validate.errors)}`);
    },
  };
}
