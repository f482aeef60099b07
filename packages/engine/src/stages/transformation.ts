import type { TransformationHandler } from '../connectors/types.js';
import { TRANSFORMATION } from '../stage-tally.js';
import { describeJsonataError, type Expression } from './jsonata-expression.js';
import { fail, messageOf, pass, type RecordStage } from './record-stage.js';

/** Transformation by a JSONata mapping expression; no result fails the record. */
export function expressionTransformation(expression: Expression): RecordStage {
  return {
    index: TRANSFORMATION,
    async apply(record) {
      let result: unknown;
      try {
        result = await expression.evaluate(record);
      } catch (e) {
        return fail(`transformation failed: ${describeJsonataError(e)}`);
      }
      return result === undefined ? fail('transformation produced no value') : pass(result);
    },
  };
}

/** Transformation by a registered handler; a throw fails the record. */
export function handlerTransformation(name: string, handler: TransformationHandler): RecordStage {
  return {
    index: TRANSFORMATION,
    async apply(record, ctx) {
      try {
        const result = await handler(record, ctx);
        return result === undefined ? fail(`handler "${name}" returned no value`) : pass(result);
      } catch (e) {
        return fail(`handler "${name}" threw: ${messageOf(e)}`);
      }
    },
  };
}
