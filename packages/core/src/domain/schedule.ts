import { ValidationError } from '../errors/domain-error.js';
import {
  isValidTimeZone,
  minimumIntervalSeconds,
  nextCronFire,
  parseCron,
  type CronFields,
} from './cron-expression.js';

/** Meergo's schedule periods, in minutes. Each divides a day, so fires align to UTC midnight. */
export const PERIODS = {
  '5m': 5,
  '15m': 15,
  '30m': 30,
  '1h': 60,
  '2h': 120,
  '3h': 180,
  '6h': 360,
  '8h': 480,
  '12h': 720,
  '24h': 1440,
} as const;
export type Period = keyof typeof PERIODS;
export const PERIOD_NAMES = Object.keys(PERIODS) as Period[];

export type ScheduleSpec = { kind: 'cron'; cron: string; timezone: string | null } | { kind: 'period'; period: Period };

/**
 * A pipeline's schedule: a cron string (optionally in an IANA time zone) or a Meergo
 * period. Meergo periods and Unstract cron strings are two views of this one value.
 */
export class Schedule {
  private constructor(
    readonly spec: ScheduleSpec,
    private readonly fields: CronFields | null,
  ) {}

  static cron(expression: string, timezone?: string | null, field = 'cron'): Schedule {
    const fields = parseCron(expression, field);
    const tz = timezone ?? null;
    if (tz !== null && !isValidTimeZone(tz)) throw ValidationError.field('timezone', `Unknown time zone "${tz}".`);
    return new Schedule({ kind: 'cron', cron: expression.trim().replace(/\s+/g, ' '), timezone: tz }, fields);
  }

  static period(period: string, field = 'period'): Schedule {
    if (!Object.hasOwn(PERIODS, period))
      throw ValidationError.field(field, `schedule period can be ${PERIOD_NAMES.map((p) => `"${p}"`).join(', ')}`);
    return new Schedule({ kind: 'period', period: period as Period }, null);
  }

  static fromSpec(spec: ScheduleSpec): Schedule {
    return spec.kind === 'cron' ? Schedule.cron(spec.cron, spec.timezone) : Schedule.period(spec.period);
  }

  get kind(): ScheduleSpec['kind'] {
    return this.spec.kind;
  }

  /** The period name, when this schedule is one of Meergo's periods. */
  get period(): Period | null {
    return this.spec.kind === 'period' ? this.spec.period : null;
  }

  /**
   * A cron string for this schedule: the expression itself, or the equivalent of a period
   * with the pipeline's start offset (minute of the day).
   */
  cronString(startMinute = 0): string {
    if (this.spec.kind === 'cron') return this.spec.cron;
    const p = PERIODS[this.spec.period];
    const first = startMinute % p;
    if (p < 60) return `${first}-59/${p} * * * *`;
    return `${first % 60} ${Math.floor(first / 60)}-23/${p / 60} * * *`;
  }

  get timezone(): string | null {
    return this.spec.kind === 'cron' ? this.spec.timezone : null;
  }

  /** Smallest gap between two fires, in seconds. */
  minimumIntervalSeconds(): number {
    if (this.spec.kind === 'period') return PERIODS[this.spec.period] * 60;
    return minimumIntervalSeconds(this.fields!);
  }

  /** Throws a Validation error on `field` when fires would come closer than `minSeconds`. */
  assertMinimumInterval(minSeconds: number, field = 'cron'): void {
    const gap = this.minimumIntervalSeconds();
    if (gap < minSeconds)
      throw ValidationError.field(
        field,
        `The schedule fires every ${gap} seconds; the minimum interval is ${minSeconds} seconds.`,
        'min_interval',
      );
  }

  /**
   * Next fire strictly after `after`. Periods fire when the UTC minute of the day,
   * modulo the period, equals `startMinute` modulo the period (Meergo's rule).
   */
  nextFireAfter(after: Date, startMinute = 0): Date | null {
    if (this.spec.kind === 'cron') return nextCronFire(this.fields!, after, this.spec.timezone ?? 'UTC');
    const periodMs = PERIODS[this.spec.period] * 60_000;
    const offsetMs = (startMinute % PERIODS[this.spec.period]) * 60_000;
    const t = after.getTime();
    const k = Math.floor((t - offsetMs) / periodMs) + 1;
    return new Date(k * periodMs + offsetMs);
  }

  equals(other: Schedule | null): boolean {
    return other !== null && JSON.stringify(this.spec) === JSON.stringify(other.spec);
  }
}
