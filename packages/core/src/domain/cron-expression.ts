import { ValidationError } from '../errors/domain-error.js';

/**
 * A parsed cron expression: 5 fields (minute hour day-of-month month day-of-week)
 * or 6 (seconds first). Supports `*`, lists, ranges, steps and month/day names.
 * Day-of-month and day-of-week combine with OR when both are restricted (Vixie cron).
 */
export interface CronFields {
  seconds: number[];
  minutes: number[];
  hours: number[];
  days: number[];
  months: number[];
  weekdays: number[];
  /** True when day-of-month/day-of-week were given as `*` (unrestricted). */
  anyDay: boolean;
  anyWeekday: boolean;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  namesBase?: number;
}

const SPECS: Record<'seconds' | 'minutes' | 'hours' | 'days' | 'months' | 'weekdays', FieldSpec> = {
  seconds: { name: 'seconds', min: 0, max: 59 },
  minutes: { name: 'minute', min: 0, max: 59 },
  hours: { name: 'hour', min: 0, max: 23 },
  days: { name: 'day of month', min: 1, max: 31 },
  months: { name: 'month', min: 1, max: 12, names: MONTHS, namesBase: 1 },
  weekdays: { name: 'day of week', min: 0, max: 7, names: WEEKDAYS, namesBase: 0 },
};

function fail(field: string, message: string): never {
  throw ValidationError.field(field, message);
}

function parseValue(raw: string, spec: FieldSpec, field: string): number {
  const lower = raw.toLowerCase();
  if (spec.names) {
    const i = spec.names.indexOf(lower);
    if (i >= 0) return i + (spec.namesBase ?? 0);
  }
  if (!/^\d+$/.test(raw)) fail(field, `Invalid ${spec.name} value "${raw}".`);
  const n = Number(raw);
  if (n < spec.min || n > spec.max) fail(field, `${spec.name} value ${n} is outside ${spec.min}-${spec.max}.`);
  return n;
}

function parseField(text: string, spec: FieldSpec, field: string): { values: number[]; any: boolean } {
  const out = new Set<number>();
  let any = false;
  for (const part of text.split(',')) {
    if (part === '') fail(field, `Empty list item in ${spec.name}.`);
    const [rangePart, stepPart, extra] = part.split('/');
    if (extra !== undefined) fail(field, `Invalid step in ${spec.name} "${part}".`);
    let step = 1;
    if (stepPart !== undefined) {
      if (!/^\d+$/.test(stepPart) || Number(stepPart) === 0) fail(field, `Invalid step "${stepPart}" in ${spec.name}.`);
      step = Number(stepPart);
    }
    let lo: number;
    let hi: number;
    if (rangePart === '*' || rangePart === '?') {
      lo = spec.min;
      hi = spec.name === 'day of week' ? 6 : spec.max;
      if (stepPart === undefined) any = true;
    } else if (rangePart!.includes('-')) {
      const [a, b, more] = rangePart!.split('-');
      if (more !== undefined || !a || !b) fail(field, `Invalid range "${rangePart}" in ${spec.name}.`);
      lo = parseValue(a, spec, field);
      hi = parseValue(b, spec, field);
      if (lo > hi) fail(field, `Range ${rangePart} in ${spec.name} runs backwards.`);
    } else {
      lo = parseValue(rangePart!, spec, field);
      hi = stepPart === undefined ? lo : spec.max;
    }
    for (let v = lo; v <= hi; v += step) out.add(spec.name === 'day of week' && v === 7 ? 0 : v);
  }
  return { values: [...out].sort((a, b) => a - b), any };
}

export function parseCron(expression: string, field = 'cron'): CronFields {
  if (typeof expression !== 'string' || expression.trim() === '') fail(field, 'A cron expression is required.');
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6)
    fail(field, `A cron expression has 5 fields (or 6 with seconds); got ${parts.length}.`);
  const [sec, ...rest] = parts.length === 6 ? parts : ['0', ...parts];
  const [min, hour, dom, mon, dow] = rest as [string, string, string, string, string];
  const days = parseField(dom, SPECS.days, field);
  const weekdays = parseField(dow, SPECS.weekdays, field);
  return {
    seconds: parseField(sec!, SPECS.seconds, field).values,
    minutes: parseField(min, SPECS.minutes, field).values,
    hours: parseField(hour, SPECS.hours, field).values,
    days: days.values,
    months: parseField(mon, SPECS.months, field).values,
    weekdays: weekdays.values,
    anyDay: days.any,
    anyWeekday: weekdays.any,
  };
}

/** Smallest gap in seconds between two fires of the expression (across a day boundary too). */
export function minimumIntervalSeconds(f: CronFields): number {
  const times: number[] = [];
  outer: for (const h of f.hours)
    for (const m of f.minutes)
      for (const s of f.seconds) {
        times.push(h * 3600 + m * 60 + s);
        if (times.length > 100_000) break outer;
      }
  let gap = Number.POSITIVE_INFINITY;
  for (let i = 1; i < times.length; i++) gap = Math.min(gap, times[i]! - times[i - 1]!);
  // Wrap-around to the next matching day (at least one day later).
  gap = Math.min(gap, 86_400 - times[times.length - 1]! + times[0]!);
  return gap;
}

// ---- time zone arithmetic with Intl only (no dependency) ----

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Wall-clock time of `instant` in `timeZone`, expressed as a fake-UTC epoch ms. */
function wallClock(instantMs: number, timeZone: string): number {
  const parts = formatter(timeZone).formatToParts(new Date(instantMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
}

/** The instant whose wall-clock in `timeZone` is `wallMs`, or null if that wall time does not exist (DST gap). */
function instantOf(wallMs: number, timeZone: string): number | null {
  const offset1 = wallClock(wallMs, timeZone) - wallMs;
  let guess = wallMs - offset1;
  const offset2 = wallClock(guess, timeZone) - guess;
  if (offset2 !== offset1) guess = wallMs - offset2;
  // Prefer the earlier instant for an ambiguous (repeated) wall time.
  const earlier = guess - 3_600_000;
  if (wallClock(earlier, timeZone) === wallMs) return earlier;
  return wallClock(guess, timeZone) === wallMs ? guess : null;
}

const DAY = 86_400_000;

function dayMatches(f: CronFields, wall: Date): boolean {
  const domOk = f.days.includes(wall.getUTCDate());
  const dowOk = f.weekdays.includes(wall.getUTCDay());
  if (f.anyDay && f.anyWeekday) return true;
  if (f.anyDay) return dowOk;
  if (f.anyWeekday) return domOk;
  return domOk || dowOk;
}

/** Next instant strictly after `after` at which the expression fires in `timeZone` (default UTC). */
export function nextCronFire(f: CronFields, after: Date, timeZone = 'UTC'): Date | null {
  let wall = Math.floor(wallClock(after.getTime(), timeZone) / 1000) * 1000 + 1000;
  const limit = wall + 5 * 366 * DAY;
  while (wall < limit) {
    const d = new Date(wall);
    if (!f.months.includes(d.getUTCMonth() + 1)) {
      wall = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      continue;
    }
    if (!dayMatches(f, d)) {
      wall = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
      continue;
    }
    const hour = f.hours.find((h) => h >= d.getUTCHours());
    if (hour === undefined) {
      wall = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
      continue;
    }
    if (hour !== d.getUTCHours()) {
      wall = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), hour);
      continue;
    }
    const minute = f.minutes.find((m) => m >= d.getUTCMinutes());
    if (minute === undefined) {
      wall = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), hour + 1);
      continue;
    }
    if (minute !== d.getUTCMinutes()) {
      wall = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), hour, minute);
      continue;
    }
    const second = f.seconds.find((s) => s >= d.getUTCSeconds());
    if (second === undefined) {
      wall = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), hour, minute + 1);
      continue;
    }
    const candidateWall = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), hour, minute, second);
    const instant = instantOf(candidateWall, timeZone);
    if (instant !== null && instant > after.getTime()) return new Date(instant);
    wall = candidateWall + 1000;
  }
  return null;
}
