import { Schedule } from '../domain/schedule.js';

/** How dialects describe a schedule: a cron string (Unstract) or a period (Meergo), or null for none. */
export type ScheduleInput = { cron: string; timezone?: string | null } | { period: string } | null;

/** Builds the Schedule value and enforces the minimum interval on cron strings. */
export function toSchedule(input: ScheduleInput, minIntervalSeconds: number): Schedule | null {
  if (input === null) return null;
  if ('period' in input) return Schedule.period(input.period);
  const schedule = Schedule.cron(input.cron, input.timezone ?? null);
  schedule.assertMinimumInterval(minIntervalSeconds, 'cron');
  return schedule;
}
