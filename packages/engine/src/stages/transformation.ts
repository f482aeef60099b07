import type { HandlerContext, TransformationHandler } from '../connectors/types.js';
import { TRANSFORMATION } from '../stage-tally.js';
import type { Expression } from './jsonata-expression.js';
import { fail, messageOf, pass, type RecordStage, type StageOutcome } from './record-stage.js';
import { transformRecord } from './record-outcomes.js';

/** Transformation by a JSONata mapping expression; no result fails the record. */
export function expressionTransformation(expression: Expression): RecordStage {
  return { index: TRANSFORMATION, apply: (record) => transformRecord(expression, record) };
}

/** Transformation by a registered handler; a throw fails the record. */
export function handlerTransformation(name: string, handler: TransformationHandler): RecordStage {
  return { index: TRANSFORMATION, apply: (record, ctx) => applyHandler(name, handler, record, ctx) };
}

/** One record through a registered handler (always on the main thread: handlers are closures). */
export async function applyHandler(
  name: string,
  handler: TransformationHandler,
  record: unknown,
  ctx: HandlerContext,
): Promise<StageOutcome> {
  try {
    const result = await handler(record, ctx);
    return result === undefined ? fail(`handler "${name}" returned no value`) : pass(result);
  } catch (e) {
    return fail(`handler "${name}" threw: ${messageOf(e)}`);
  }
}
