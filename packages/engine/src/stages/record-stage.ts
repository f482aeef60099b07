import type { HandlerContext } from '../connectors/types.js';
import type { StageIndex } from '../stage-tally.js';

export type StageOutcome = { ok: true; record: unknown } | { ok: false; reason: string };

/** One of the four middle stages: passes each record on (maybe changed) or fails it. */
export interface RecordStage {
  readonly index: StageIndex;
  apply(record: unknown, ctx: HandlerContext): StageOutcome | Promise<StageOutcome>;
}

export const pass = (record: unknown): StageOutcome => ({ ok: true, record });
export const fail = (reason: string): StageOutcome => ({ ok: false, reason });

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
