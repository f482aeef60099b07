import type { Schedule } from '@pipewright/core';
import type { FireLedger } from './fire-ledger.js';

/**
 * What happens to fires that no process ran (every replica was down, or all were late):
 * they are always recorded as `missed`; `run-once` additionally opens one run, late,
 * for the most recent of them.
 */
export type MisfirePolicy = 'skip' | 'run-once';

/** Reasons on `missed` rows. */
export const MISSED_REASONS = {
  /** No process was running at the fire instant (found at start-up). */
  down: 'scheduler_down',
  /** As `down`, on the oldest row recorded when more fires were missed than the cap allows. */
  downTruncated: 'scheduler_down_earlier_not_recorded',
  /** The process was running but its timer fired too late (blocked event loop). */
  late: 'scheduler_late',
  /** The process could not reach the ledger to claim the fire. */
  ledgerUnavailable: 'ledger_unavailable',
} as const;

/** Reason on the `fired` row of a run opened late by the run-once policy. */
export const RUN_ONCE_REASON = 'misfire_run_once';

/** One pipeline to check: its schedule, and since when its fires are known to the ledger. */
export interface MisfireCandidate {
  pipelineId: string;
  schedule: Schedule;
  scheduleStart: number;
  /** Fires after this instant are checked (the last ledger row, or when the job last changed). */
  since: Date;
}

export interface MisfireReport {
  /** New `missed` rows written by this process. */
  missed: number;
  /** Pipelines this process ran once for their misfires. */
  ranOnce: string[];
}

/**
 * The schedule's fire instants in (since, until], at most `cap`, the most recent ones.
 * The walk starts no earlier than `cap` minimum intervals before `until`, which bounds
 * the work after a long outage (irregular schedules may then list fewer than `cap`).
 */
export function firesBetween(
  c: Omit<MisfireCandidate, 'pipelineId'>,
  until: Date,
  cap: number,
): { fires: Date[]; truncated: boolean } {
  const horizon = until.getTime() - cap * c.schedule.minimumIntervalSeconds() * 1000;
  const truncated = horizon > c.since.getTime();
  let t: Date | null = new Date(Math.max(c.since.getTime(), horizon));
  const fires: Date[] = [];
  let dropped = false;
  while ((t = c.schedule.nextFireAfter(t, c.scheduleStart)) !== null && t.getTime() <= until.getTime()) {
    fires.push(t);
    if (fires.length > cap) {
      fires.shift();
      dropped = true;
    }
  }
  return { fires, truncated: truncated || dropped };
}

/**
 * Records the fires in (since, until] that nobody claimed as `missed` (existing rows win:
 * a fire another replica ran stays as it is). With `run-once`, when the latest of those
 * fires is missed, claims that row (one process wins it) and runs it once through `runLate`.
 */
export async function recoverMisfires(args: {
  ledger: FireLedger;
  candidates: readonly MisfireCandidate[];
  until: Date;
  policy: MisfirePolicy;
  cap: number;
  runLate: (pipelineId: string, fireAt: Date) => Promise<void>;
}): Promise<MisfireReport> {
  const report: MisfireReport = { missed: 0, ranOnce: [] };
  for (const c of args.candidates) {
    const { fires, truncated } = firesBetween(c, args.until, args.cap);
    if (fires.length === 0) continue;
    const [oldest, ...rest] = fires;
    if (truncated) {
      report.missed += await args.ledger.recordMissed(c.pipelineId, [oldest!], MISSED_REASONS.downTruncated);
      report.missed += await args.ledger.recordMissed(c.pipelineId, rest, MISSED_REASONS.down);
    } else {
      report.missed += await args.ledger.recordMissed(c.pipelineId, fires, MISSED_REASONS.down);
    }
    if (args.policy === 'run-once') {
      const latest = fires[fires.length - 1]!;
      if (await args.ledger.claimMissed(c.pipelineId, latest)) {
        await args.runLate(c.pipelineId, latest);
        report.ranOnce.push(c.pipelineId);
      }
    }
  }
  return report;
}
