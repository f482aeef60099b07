// Fire lag and CPU per fire for many schedules in one process.
//
//   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//     npm run bench -w @pipewright/scheduler-node-cron -- [--schedules 10000] [--every 10] [--seconds 60] [--pglite]
//
// Each schedule fires every `every` seconds (6-field cron), their seconds spread evenly.
// `fire` is a stub (no run is opened), so this measures the scheduler: node-cron timers,
// the ledger claim (INSERT) and the outcome (UPDATE). Lag = when `fire` is called minus
// the fire instant. On Postgres it uses its own pipewright_test_sched_bench_* database.
import { randomBytes, randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { Pipeline, Schedule } from '@pipewright/core';
import { Kysely, PGliteDialect, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { migrateScheduler } from '../src/migrate.js';
import { NodeCronScheduler } from '../src/node-cron-scheduler.js';

const { values: args } = parseArgs({
  options: {
    schedules: { type: 'string', default: '10000' },
    every: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '60' },
    pglite: { type: 'boolean', default: false },
  },
});
const SCHEDULES = Number(args.schedules);
const EVERY = Number(args.every);
const SECONDS = Number(args.seconds);
if (60 % EVERY !== 0) throw new Error('--every must divide 60');

async function openDatabase(): Promise<{ db: Kysely<any>; label: string; close: () => Promise<void> }> {
  const url = process.env.TEST_DATABASE_URL;
  if (args.pglite || !url) {
    const db = new Kysely<any>({ dialect: new PGliteDialect({ pglite: new PGlite() }) });
    return { db, label: 'PGlite (in-process)', close: () => db.destroy() };
  }
  const name = `pipewright_test_sched_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: target.toString(), max: 10 });
  pool.on('error', () => {});
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    label: 'Postgres (pool of 10)',
    close: async () => {
      await db.destroy();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;

const { db, label, close } = await openDatabase();
await migrateScheduler(db);

const now = new Date();
const offsets = new Map<string, number>();
const pipelines = Array.from({ length: SCHEDULES }, (_, i) => {
  const second = i % EVERY;
  const id = randomUUID();
  offsets.set(id, second);
  return Pipeline.create({
    id,
    seq: i + 1,
    orgId: id,
    name: `bench-${i}`,
    workflowId: id,
    ownerId: id,
    schedule: Schedule.cron(`${second}-59/${EVERY} * * * * *`),
    now,
  });
});

let measuring = false;
const lags: number[] = [];
const recordedLags: number[] = [];
let fires = 0;

const scheduler = new NodeCronScheduler({
  db,
  misfirePolicy: 'skip',
  loadScheduled: async () => pipelines,
  fire: async (pipelineId) => {
    if (measuring) {
      // The fire instant: the latest second ≡ offset (mod EVERY) at or before now (lag < EVERY s).
      const t = Date.now();
      const sec = Math.floor(t / 1000);
      const back = (((sec - offsets.get(pipelineId)!) % EVERY) + EVERY) % EVERY;
      lags.push(t - (sec - back) * 1000);
      fires++;
    }
    return { outcome: 'fired', runId: randomUUID() };
  },
  onFire: (e) => {
    if (measuring) recordedLags.push(Date.now() - e.fireAt.getTime());
  },
  onError: (e, context) => console.error(`error ${context}: ${String(e)}`),
});

const t0 = Date.now();
await scheduler.start();
const startMs = Date.now() - t0;
console.log(`${SCHEDULES} schedules started in ${startMs} ms on ${label}; warming up ${EVERY + 5} s …`);
await new Promise((r) => setTimeout(r, (EVERY + 5) * 1000));

const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
measuring = true;
await new Promise((r) => setTimeout(r, SECONDS * 1000));
measuring = false;
const wallMs = performance.now() - wall0;
const cpu = process.cpuUsage(cpu0);
loop.disable();

const windowStart = new Date(Date.now() - wallMs);
const missed = await db
  .selectFrom('schedule_fires')
  .select(sql<number>`count(*)::int`.as('n'))
  .where('outcome', '=', 'missed')
  .executeTakeFirst();
await scheduler.stop();
const ledgerRows = await db
  .selectFrom('schedule_fires')
  .select(sql<number>`count(*)::int`.as('n'))
  .where('fire_at', '>=', windowStart)
  .executeTakeFirst();
await close();

lags.sort((a, b) => a - b);
recordedLags.sort((a, b) => a - b);
const cpuMs = (cpu.user + cpu.system) / 1000;
const expected = Math.round((SCHEDULES / EVERY) * (wallMs / 1000));
const rows: [string, string][] = [
  ['database', label],
  ['schedules', `${SCHEDULES} (every ${EVERY} s, seconds spread)`],
  ['measured', `${(wallMs / 1000).toFixed(1)} s`],
  ['fires', `${fires} (${(fires / (wallMs / 1000)).toFixed(0)}/s; expected ≈ ${expected})`],
  ['fire lag p50 / p99 / max', `${percentile(lags, 50)} / ${percentile(lags, 99)} / ${lags.at(-1)} ms`],
  ['recorded lag p50 / p99', `${percentile(recordedLags, 50)} / ${percentile(recordedLags, 99)} ms`],
  ['CPU per fire', `${((cpuMs / Math.max(fires, 1)) * 1000).toFixed(0)} µs (user+system)`],
  ['CPU total', `${cpuMs.toFixed(0)} ms = ${((cpuMs / wallMs) * 100).toFixed(0)}% of one core`],
  ['event loop delay p99', `${(loop.percentile(99) / 1e6).toFixed(1)} ms`],
  ['missed rows (whole run)', String(missed?.n ?? 0)],
  ['ledger rows since window start', String(ledgerRows?.n ?? 0)],
];
const w = Math.max(...rows.map(([k]) => k.length));
console.log('\n' + rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n'));
