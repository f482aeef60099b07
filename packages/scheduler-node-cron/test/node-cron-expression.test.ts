import { jest } from '@jest/globals';
import { Schedule, ValidationError } from '@pipewright/core';
import { createTask } from 'node-cron';
import { assertSchedulable, toNodeCronJob, type NodeCronJob } from '../src/node-cron-expression.js';

/** The next `n` fires node-cron computes for the job (the union of its patterns), after `from`. */
function nodeCronFires(job: NodeCronJob, from: Date, n: number): string[] {
  jest.setSystemTime(from);
  const all = job.patterns.flatMap((p) => {
    const task = createTask(p, () => {}, { timezone: job.timezone });
    const runs = task.getNextRuns(n);
    void task.destroy();
    return runs.map((d) => d.toISOString());
  });
  return [...new Set(all)].sort().slice(0, n);
}

/** The next `n` fires core computes after `from`. */
function coreFires(schedule: Schedule, from: Date, n: number, start = 0): string[] {
  const out: string[] = [];
  let t: Date | null = from;
  while (out.length < n && (t = schedule.nextFireAfter(t, start))) out.push(t.toISOString());
  return out;
}

const wallFormats = new Map<string, Intl.DateTimeFormat>();
function wallTime(d: Date, zone: string): string {
  let f = wallFormats.get(zone);
  if (!f)
    wallFormats.set(
      zone,
      (f = new Intl.DateTimeFormat('sv-SE', { timeZone: zone, dateStyle: 'short', timeStyle: 'medium' })),
    );
  return f.format(d);
}

beforeAll(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
afterAll(() => jest.useRealTimers());

describe('toNodeCronJob', () => {
  it('writes every field as numbers node-cron accepts, with an explicit zone', () => {
    expect(toNodeCronJob(Schedule.cron('*/15 * * * *'), 0)).toEqual({
      patterns: ['0 0,15,30,45 * * * *'],
      timezone: 'UTC',
    });
    expect(toNodeCronJob(Schedule.cron('*/2 * * * * *'), 0).patterns[0]).toMatch(/^0,2,4,.*,58 \* \* \* \* \*$/);
    expect(toNodeCronJob(Schedule.cron('30 9 * * mon-fri', 'Europe/Berlin'), 0)).toEqual({
      patterns: ['0 30 9 * * 1,2,3,4,5'],
      timezone: 'Europe/Berlin',
    });
  });

  it('accepts forms core accepts and node-cron does not (N/step, ? outside day fields)', () => {
    expect(toNodeCronJob(Schedule.cron('5/20 ? * * *'), 0).patterns).toEqual(['0 5,25,45 * * * *']);
  });

  it('splits a restricted day-of-month and day-of-week into two patterns (OR)', () => {
    expect(toNodeCronJob(Schedule.cron('0 0 13 * 5'), 0).patterns).toEqual(['0 0 0 13 * *', '0 0 0 * * 5']);
  });

  it('turns Meergo periods into UTC patterns offset by the start minute', () => {
    expect(toNodeCronJob(Schedule.period('15m'), 7)).toEqual({ patterns: ['0 7,22,37,52 * * * *'], timezone: 'UTC' });
    expect(toNodeCronJob(Schedule.period('6h'), 125).patterns).toEqual(['0 5 2,8,14,20 * * *']);
  });

  it('drops a day that never exists, and assertSchedulable rejects it on the field', () => {
    expect(toNodeCronJob(Schedule.cron('0 0 30 2 *'), 0).patterns).toEqual([]);
    expect(() => assertSchedulable(Schedule.cron('0 0 30 2 *'))).toThrow(ValidationError);
    try {
      assertSchedulable(Schedule.cron('0 0 31 4 *'), 0, 'cron_string');
    } catch (e) {
      expect((e as ValidationError).issues[0]!.field).toBe('cron_string');
    }
    expect(() => assertSchedulable(Schedule.cron('0 0 29 2 *'))).not.toThrow();
    // With day-of-week in OR, the impossible day-of-month half is dropped and the job still fires.
    expect(toNodeCronJob(Schedule.cron('0 0 30 2 1'), 0).patterns).toEqual(['0 0 0 * 2 1']);
  });
});

describe('node-cron and core agree on fire times', () => {
  const expressions = [
    '*/15 * * * *',
    '0 * * * *',
    '30 2 * * *',
    '30 1 * * *',
    '0 9 * * mon-fri',
    '0 0 13 * 5',
    '0 0 1,15 * *',
    '0 12 * feb,mar sun',
    '*/20 8-18 * * *',
    '5/20 ? * * *',
    '15,45 */3 * * * *',
    '0 0 29 2 *',
  ];
  const zones = [null, 'UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Sydney'];
  // Spring-forward and fall-back weeks in both hemispheres, and an ordinary day.
  const starts = [
    '2026-03-06T00:00:00Z',
    '2026-03-27T12:00:00Z',
    '2026-04-03T00:00:00Z',
    '2026-10-30T00:00:00Z',
    '2026-06-15T10:07:00Z',
  ];

  // The one known difference: a wall time that a fall-back day repeats. Both fire it once,
  // but in zones ahead of UTC node-cron picks the second occurrence where core picks the
  // first (pinned below). Such fires are compared by wall time; all others by instant.
  const comparable = (zone: string | null) => (iso: string) => {
    const t = Date.parse(iso);
    const wall = (ms: number) => wallTime(new Date(ms), zone ?? 'UTC');
    return wall(t) === wall(t - 3_600_000) || wall(t) === wall(t + 3_600_000) ? `repeated wall time ${wall(t)}` : iso;
  };

  it.each(expressions)('%s, in every zone, across DST weeks', (expr) => {
    // Core looks 5 years ahead at most; 29 February can be 8 years apart.
    const n = expr === '0 0 29 2 *' ? 10 : 40;
    for (const zone of zones)
      for (const start of starts) {
        const schedule = Schedule.cron(expr, zone);
        const viaNodeCron = nodeCronFires(toNodeCronJob(schedule, 0), new Date(start), n).map(comparable(zone));
        const viaCore = coreFires(schedule, new Date(start), n).map(comparable(zone));
        expect({ zone, start, fires: viaNodeCron }).toEqual({ zone, start, fires: viaCore });
      }
  });

  it.each([
    ['5m', 3],
    ['15m', 0],
    ['1h', 59],
    ['3h', 200],
    ['24h', 1439],
  ])('Meergo period %s with start minute %d', (period, start) => {
    const schedule = Schedule.period(period);
    const from = new Date('2026-03-29T00:00:00Z');
    expect(nodeCronFires(toNodeCronJob(schedule, start), from, 30)).toEqual(coreFires(schedule, from, 30, start));
  });
});

describe('DST: computed fire times', () => {
  const fires = (expr: string, zone: string, from: string, n: number) =>
    coreFires(Schedule.cron(expr, zone), new Date(from), n);

  it('Europe/Berlin spring-forward (2026-03-29, 02:00 CET -> 03:00 CEST): the missing hour is skipped', () => {
    expect(fires('30 2 * * *', 'Europe/Berlin', '2026-03-27T12:00:00Z', 3)).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
      '2026-03-31T00:30:00.000Z',
    ]);
    expect(fires('0 9 * * *', 'Europe/Berlin', '2026-03-28T00:00:00Z', 2)).toEqual([
      '2026-03-28T08:00:00.000Z',
      '2026-03-29T07:00:00.000Z',
    ]);
    expect(fires('0 * * * *', 'Europe/Berlin', '2026-03-28T23:30:00Z', 3)).toEqual([
      '2026-03-29T00:00:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T02:00:00.000Z',
    ]);
  });

  it('Europe/Berlin fall-back (2026-10-25, 03:00 CEST -> 02:00 CET): a repeated wall time fires once', () => {
    expect(fires('30 2 * * *', 'Europe/Berlin', '2026-10-23T12:00:00Z', 3)).toEqual([
      '2026-10-24T00:30:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
    expect(fires('0 9 * * *', 'Europe/Berlin', '2026-10-24T00:00:00Z', 2)).toEqual([
      '2026-10-24T07:00:00.000Z',
      '2026-10-25T08:00:00.000Z',
    ]);
  });

  it('America/New_York spring-forward (2026-03-08, 02:00 EST -> 03:00 EDT)', () => {
    expect(fires('30 2 * * *', 'America/New_York', '2026-03-06T12:00:00Z', 3)).toEqual([
      '2026-03-07T07:30:00.000Z',
      '2026-03-09T06:30:00.000Z',
      '2026-03-10T06:30:00.000Z',
    ]);
  });

  it('America/New_York fall-back (2026-11-01, 02:00 EDT -> 01:00 EST)', () => {
    expect(fires('30 1 * * *', 'America/New_York', '2026-10-30T12:00:00Z', 3)).toEqual([
      '2026-10-31T05:30:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ]);
    // Every 30 minutes: 01:00 and 01:30 EDT fire, the repeated 01:xx EST hour does not.
    expect(fires('*/30 * * * *', 'America/New_York', '2026-11-01T04:45:00Z', 4)).toEqual([
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T07:00:00.000Z',
      '2026-11-01T07:30:00.000Z',
    ]);
  });

  it('known difference: in a zone ahead of UTC node-cron fires the second occurrence of a repeated wall time', () => {
    const schedule = Schedule.cron('30 2 * * *', 'Europe/Berlin');
    const from = new Date('2026-10-24T12:00:00Z');
    expect(coreFires(schedule, from, 1)).toEqual(['2026-10-25T00:30:00.000Z']); // 02:30 CEST
    expect(nodeCronFires(toNodeCronJob(schedule, 0), from, 1)).toEqual(['2026-10-25T01:30:00.000Z']); // 02:30 CET
  });
});
