import { parseCron, ValidationError, type CronFields, type Schedule } from '@pipewright/core';
import { validateDetailed } from 'node-cron';

/** What node-cron is given for one pipeline: one or two patterns (see below) in one time zone. */
export interface NodeCronJob {
  /** 6-field patterns (seconds first); the job fires at the union of their matches. Empty: never fires. */
  patterns: string[];
  /** IANA zone; always explicit, because node-cron would otherwise use the process's local zone. */
  timezone: string;
}

const FULL = {
  seconds: 60,
  minutes: 60,
  hours: 24,
  days: 31,
  months: 12,
  weekdays: 7,
} as const;

function field(values: number[], size: number): string {
  return values.length === size ? '*' : values.join(',');
}

/**
 * Translates a core Schedule into node-cron patterns, from core's own parse of the
 * expression, so node-cron fires exactly what core validated and computes:
 *
 * - every field is written as a plain list of numbers, which node-cron always accepts
 *   (core also accepts forms node-cron does not, such as `5/15` or `?` in the minute field);
 * - core combines a restricted day-of-month and a restricted day-of-week with OR (Vixie
 *   cron), node-cron with AND; for that case the job gets two patterns, one per day rule,
 *   which share one coordination key per instant, so a day matching both fires once;
 * - Meergo periods become the cron string of the period with the pipeline's start offset, in UTC.
 *
 * A pattern node-cron rejects can only be a day that never exists (`30 2 *`); it is dropped.
 */
export function toNodeCronJob(schedule: Schedule, startMinute: number): NodeCronJob {
  const f: CronFields = parseCron(schedule.cronString(startMinute));
  const time = `${field(f.seconds, FULL.seconds)} ${field(f.minutes, FULL.minutes)} ${field(f.hours, FULL.hours)}`;
  const months = field(f.months, FULL.months);
  const days = field(f.days, FULL.days);
  const weekdays = field(f.weekdays, FULL.weekdays);
  const dayRules =
    !f.anyDay && !f.anyWeekday
      ? [`${days} ${months} *`, `* ${months} ${weekdays}`]
      : [`${f.anyDay ? '*' : days} ${months} ${f.anyWeekday ? '*' : weekdays}`];
  const patterns = dayRules.map((d) => `${time} ${d}`).filter((p) => validateDetailed(p).valid);
  return { patterns, timezone: schedule.timezone ?? 'UTC' };
}

/**
 * Throws a Validation error on `field` when node-cron could never fire the schedule
 * (a day that does not exist in any of the given months), so core and node-cron agree.
 */
export function assertSchedulable(schedule: Schedule, startMinute = 0, fieldName = 'cron'): void {
  if (toNodeCronJob(schedule, startMinute).patterns.length === 0)
    throw ValidationError.field(fieldName, 'The schedule never fires: no month has that day.');
}
