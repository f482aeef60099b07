import type { EngineResult, SchedulerResult } from './external-benches.js';
import type { Measurement } from './load.js';

export interface Row {
  scenario: string;
  name: string;
  ours: Measurement;
  baseline: Measurement | null;
  note: string;
  /** The same scenario on the server with embedded PGlite and 1,000 pipelines (absent: not run there). */
  pglite?: Measurement;
}

const n = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en') : x.toFixed(1));
const lat = (m: Measurement) =>
  m.extra?.ttfbMs !== undefined
    ? `ttfb ${m.extra.ttfbMs}; ${m.extra.complete ? 'all' : 'stopped at'} ${m.extra.items!.toLocaleString('en')} in ${m.extra.seconds} s; RSS +${m.extra.rssGrowthMb} MB`
    : `${n(m.p50Ms)} / ${n(m.p99Ms)}`;
const err = (m: Measurement) => (m.errors ? ` ⚠${m.errors} err` : '');

/** One row of the table (also logged as each scenario finishes). */
export function renderRow(r: Row): string {
  const b = r.baseline;
  const p = r.pglite;
  // A baseline that delivered nothing (the naive run stream) has no ratio.
  const ratio = b && b.reqPerSec > 0 ? (r.ours.reqPerSec / b.reqPerSec).toFixed(2) : '–';
  return `| ${r.scenario} | ${r.name.replace(/\|/g, '\\|')}${r.note ? ` (${r.note})` : ''} | ${n(r.ours.reqPerSec)}${err(r.ours)} | ${b ? n(b.reqPerSec) + err(b) : '–'} | ${ratio} | ${lat(r.ours)} | ${b ? lat(b) : '–'} | ${r.ours.peakRssMb} | ${b?.peakRssMb ?? '–'} | ${p ? n(p.reqPerSec) + err(p) : '–'} | ${p ? lat(p) : '–'} | ${p?.peakRssMb ?? '–'} |`;
}

/** The Markdown table: ours, baseline, and ours/baseline for throughput (higher is better); then ours on PGlite. */
export function renderTable(rows: Row[], engine: EngineResult | null, scheduler: SchedulerResult | null): string {
  const out = [
    '| # | scenario | ours req/s | baseline req/s | ratio | ours p50 / p99 ms | baseline p50 / p99 ms | ours peak RSS MB | baseline peak RSS MB | PGlite (1,000 pipelines) req/s | PGlite p50 / p99 ms | PGlite peak RSS MB |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  // Scenario order (they run in another order: writes and the run stream go last).
  for (const r of [...rows].sort((a, b) => a.scenario.localeCompare(b.scenario))) out.push(renderRow(r));
  if (engine) {
    const ratio = (x: number) => (x / engine.baselineRecordsPerSec).toFixed(2);
    out.push(
      `| 6 | engine, JSONata filter + transform (${engine.rows.toLocaleString('en')} rows, records/s) | ${n(engine.jsonataRecordsPerSec)} | ${n(engine.baselineRecordsPerSec)} | ${ratio(engine.jsonataRecordsPerSec)} | – | – | ${engine.peakRssMb ?? '–'} (bench process) | – | – | – | – |`,
    );
    out.push(
      `| 6 | engine, JSONata filter + handler (records/s) | ${n(engine.handlerRecordsPerSec)} | ${n(engine.baselineRecordsPerSec)} | ${ratio(engine.handlerRecordsPerSec)} | – | – | – | – | – | – | – |`,
    );
  }
  if (scheduler)
    out.push(
      `| 7 | scheduler fire lag, ${scheduler.schedules.toLocaleString('en')} schedules (${scheduler.fires} fires) | – | – | – | ${scheduler.lagP50Ms} / ${scheduler.lagP99Ms} (max ${scheduler.lagMaxMs}) | – | – | – | – | – | – |`,
    );
  return out.join('\n');
}
