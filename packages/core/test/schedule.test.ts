import { PERIOD_NAMES, Schedule, ValidationError } from '@pipewright/core';

const at = (iso: string) => new Date(iso);
const next = (s: Schedule, iso: string, start = 0) => s.nextFireAfter(at(iso), start)?.toISOString();

describe('Schedule: cron', () => {
  it('computes the next fire in UTC', () => {
    expect(next(Schedule.cron('*/15 * * * *'), '2026-01-01T10:07:00Z')).toBe('2026-01-01T10:15:00.000Z');
    expect(next(Schedule.cron('0 0 * * *'), '2026-01-01T00:00:00Z')).toBe('2026-01-02T00:00:00.000Z');
  });

  it('supports six fields with seconds, ranges, lists, steps and names', () => {
    expect(next(Schedule.cron('*/2 * * * * *'), '2026-01-01T10:00:01Z')).toBe('2026-01-01T10:00:02.000Z');
    expect(next(Schedule.cron('30 9 * * mon-fri'), '2026-01-03T12:00:00Z')).toBe('2026-01-05T09:30:00.000Z');
    expect(next(Schedule.cron('0 12 1,15 feb *'), '2026-01-20T00:00:00Z')).toBe('2026-02-01T12:00:00.000Z');
  });

  it('treats day-of-month and day-of-week as OR when both are restricted', () => {
    // 2026-03-02 is a Monday, before the 13th.
    expect(next(Schedule.cron('0 0 13 * 1'), '2026-03-01T00:00:00Z')).toBe('2026-03-02T00:00:00.000Z');
  });

  it('fires in the given time zone', () => {
    expect(next(Schedule.cron('0 9 * * *', 'Asia/Kolkata'), '2026-06-01T00:00:00Z')).toBe('2026-06-01T03:30:00.000Z');
  });

  it('skips wall times that do not exist on a spring-forward day', () => {
    // Europe/Berlin jumps from 02:00 to 03:00 on 2026-03-29.
    expect(next(Schedule.cron('30 2 * * *', 'Europe/Berlin'), '2026-03-28T12:00:00Z')).toBe('2026-03-30T00:30:00.000Z');
    expect(next(Schedule.cron('0 9 * * *', 'Europe/Berlin'), '2026-03-29T00:00:00Z')).toBe('2026-03-29T07:00:00.000Z');
  });

  it('fires once for a repeated wall time on a fall-back day', () => {
    // America/New_York repeats 01:00-02:00 on 2026-11-01.
    const s = Schedule.cron('30 1 * * *', 'America/New_York');
    const first = s.nextFireAfter(at('2026-11-01T00:00:00Z'))!;
    expect(first.toISOString()).toBe('2026-11-01T05:30:00.000Z');
    expect(s.nextFireAfter(first)!.toISOString()).toBe('2026-11-02T06:30:00.000Z');
  });

  it.each([['61 * * * *'], ['* * *'], ['*/0 * * * *'], ['5-1 * * * *'], ['a b c d e'], ['']])(
    'rejects %p with a Validation error on the field',
    (expr) => {
      try {
        Schedule.cron(expr, null, 'cron_string');
        throw new Error('expected a ValidationError');
      } catch (e) {
        expect(e).toBeInstanceOf(ValidationError);
        expect((e as ValidationError).issues[0]!.field).toBe('cron_string');
      }
    },
  );

  it('rejects unknown time zones', () => {
    expect(() => Schedule.cron('0 * * * *', 'Mars/Olympus')).toThrow(ValidationError);
  });

  it('knows its minimum interval', () => {
    expect(Schedule.cron('* * * * *').minimumIntervalSeconds()).toBe(60);
    expect(Schedule.cron('*/2 * * * * *').minimumIntervalSeconds()).toBe(2);
    expect(Schedule.cron('0 3 * * *').minimumIntervalSeconds()).toBe(86_400);
    expect(Schedule.cron('0,59 0,23 * * *').minimumIntervalSeconds()).toBe(60);
    expect(() => Schedule.cron('*/10 * * * * *').assertMinimumInterval(60, 'cron_string')).toThrow(/minimum interval/);
    expect(() => Schedule.cron('*/5 * * * *').assertMinimumInterval(60)).not.toThrow();
  });
});

describe('Schedule: periods', () => {
  it('accepts exactly the ten Meergo periods', () => {
    expect(PERIOD_NAMES).toEqual(['5m', '15m', '30m', '1h', '2h', '3h', '6h', '8h', '12h', '24h']);
    for (const p of PERIOD_NAMES) expect(Schedule.period(p).period).toBe(p);
    expect(() => Schedule.period('10m')).toThrow(
      'schedule period can be "5m", "15m", "30m", "1h", "2h", "3h", "6h", "8h", "12h", "24h"',
    );
  });

  it('fires when the minute of the day modulo the period equals the start offset', () => {
    const s = Schedule.period('1h');
    expect(next(s, '2026-01-01T10:20:00Z', 17)).toBe('2026-01-01T11:17:00.000Z');
    expect(next(s, '2026-01-01T10:10:00Z', 17)).toBe('2026-01-01T10:17:00.000Z');
    expect(next(Schedule.period('24h'), '2026-01-01T10:10:00Z', 1439)).toBe('2026-01-01T23:59:00.000Z');
  });

  it('renders an equivalent cron string', () => {
    expect(Schedule.period('15m').cronString(17)).toBe('2-59/15 * * * *');
    expect(Schedule.period('6h').cronString(17)).toBe('17 0-23/6 * * *');
    const s = Schedule.period('6h');
    const viaCron = Schedule.cron(s.cronString(437));
    expect(viaCron.nextFireAfter(at('2026-01-01T00:00:00Z'))).toEqual(s.nextFireAfter(at('2026-01-01T00:00:00Z'), 437));
  });
});
