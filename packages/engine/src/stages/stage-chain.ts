import type { FieldIssue, StageSettings } from '@pipewright/core';
import type { DestinationWriter, HandlerContext, TransformationHandler, WriteResult } from '../connectors/types.js';
import {
  FINALIZE,
  INPUT_VALIDATION,
  OUTPUT_VALIDATION,
  RECEIVE,
  type StageIndex,
  type StageTally,
} from '../stage-tally.js';
import { filterStage } from './filter.js';
import { compileSchema, createAjv } from './json-schema.js';
import { compileExpression } from './jsonata-expression.js';
import { messageOf, type RecordStage } from './record-stage.js';
import { schemaValidationStage } from './schema-validation.js';
import { expressionTransformation, handlerTransformation } from './transformation.js';

/** Called for every record that fails a stage (the engine logs some of them). */
export type FailureListener = (stage: StageIndex, reason: string) => void;

export type CompiledStages = { chain: StageChain; issues: [] } | { chain: null; issues: FieldIssue[] };

/**
 * The six stages of a workflow, compiled once per run: Receive counts what the source
 * read, the four middle stages pass or fail each record, Finalize writes the survivors.
 */
export class StageChain {
  private constructor(private readonly middle: readonly RecordStage[]) {}

  /** Compiles schemas and expressions; issues name the offending field (`stages.filter` …). */
  static compile(
    settings: StageSettings,
    handler: (name: string) => TransformationHandler | undefined,
  ): CompiledStages {
    const issues: FieldIssue[] = [];
    const middle: RecordStage[] = [];
    const ajv = createAjv();
    const schema = (field: 'inputSchema' | 'outputSchema', index: StageIndex) => {
      const s = settings[field];
      if (!s) return;
      try {
        middle.push(schemaValidationStage(index, compileSchema(ajv, s)));
      } catch (e) {
        issues.push({ field: `stages.${field}`, message: `Invalid JSON Schema: ${messageOf(e)}`, code: 'invalid' });
      }
    };
    schema('inputSchema', INPUT_VALIDATION);
    if (settings.filter) {
      try {
        middle.push(filterStage(compileExpression(settings.filter)));
      } catch (e) {
        issues.push({
          field: 'stages.filter',
          message: `Invalid JSONata expression: ${messageOf(e)}`,
          code: 'invalid',
        });
      }
    }
    const t = settings.transformation;
    if (typeof t === 'string' && t) {
      try {
        middle.push(expressionTransformation(compileExpression(t)));
      } catch (e) {
        issues.push({
          field: 'stages.transformation',
          message: `Invalid JSONata expression: ${messageOf(e)}`,
          code: 'invalid',
        });
      }
    } else if (t && typeof t === 'object') {
      const fn = handler(t.handler);
      if (fn) middle.push(handlerTransformation(t.handler, fn));
      else
        issues.push({
          field: 'stages.transformation',
          message: `Unknown transformation handler "${t.handler}".`,
          code: 'invalid',
        });
    }
    schema('outputSchema', OUTPUT_VALIDATION);
    return issues.length ? { chain: null, issues } : { chain: new StageChain(middle), issues: [] };
  }

  /**
   * Passes one batch through all six stages and writes the survivors to `writer`, counting
   * into `tally` as it goes. A record failing a stage goes no further.
   */
  async run(
    batch: { records: unknown[]; unreadable?: readonly string[] },
    writer: DestinationWriter,
    ctx: HandlerContext,
    tally: StageTally,
    onFailure: FailureListener,
  ): Promise<void> {
    receive(batch, tally, onFailure);
    let current = batch.records;
    let next = 1;
    for (const stage of this.middle) {
      // Stages that are not configured pass every record.
      for (; next < stage.index; next++) tally.pass(next as StageIndex, current.length);
      current = await applyStage(stage, current, ctx, tally, onFailure);
      next = stage.index + 1;
    }
    for (; next < FINALIZE; next++) tally.pass(next as StageIndex, current.length);
    if (current.length > 0) await finalize(current, writer, ctx, tally, onFailure);
  }
}

async function applyStage(
  stage: RecordStage,
  records: unknown[],
  ctx: HandlerContext,
  tally: StageTally,
  onFailure: FailureListener,
): Promise<unknown[]> {
  const survivors: unknown[] = [];
  for (const record of records) {
    if (ctx.signal.aborted) ctx.signal.throwIfAborted();
    const r = stage.apply(record, ctx);
    // Synchronous stages (schemas) skip the microtask hop of an await.
    const outcome = r instanceof Promise ? await r : r;
    if (outcome.ok) survivors.push(outcome.record);
    else onFailure(stage.index, outcome.reason);
  }
  tally.pass(stage.index, survivors.length);
  tally.fail(stage.index, records.length - survivors.length);
  return survivors;
}

/** Receive: counts what the source read, and its unreadable records as failed. */
export function receive(
  batch: { records: unknown[]; unreadable?: readonly string[] },
  tally: StageTally,
  onFailure: FailureListener,
): void {
  tally.pass(RECEIVE, batch.records.length);
  for (const reason of batch.unreadable ?? []) {
    tally.fail(RECEIVE);
    onFailure(RECEIVE, reason);
  }
}

/** Finalize: writes the survivors; the destination's per-record failures fail them here. */
export async function finalize(
  records: unknown[],
  writer: DestinationWriter,
  ctx: HandlerContext,
  tally: StageTally,
  onFailure: FailureListener,
): Promise<void> {
  let failed: WriteResult['failed'];
  try {
    ({ failed } = await writer.write(records, ctx.file));
  } catch (e) {
    // The destination failed (the run ends as ERROR): the batch was not written.
    if (!ctx.signal.aborted) tally.fail(FINALIZE, records.length);
    throw e;
  }
  const failedIndexes = new Set(failed.map((f) => f.index));
  for (const f of failed) onFailure(FINALIZE, f.error);
  tally.fail(FINALIZE, failedIndexes.size);
  tally.pass(FINALIZE, records.length - failedIndexes.size);
}
