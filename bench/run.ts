// `npm run bench`: every hot path of the real server against a bare Express + pg baseline
// in the same run (see bench/README section in the root README). Options:
//   --quick            3 s per scenario (development), 1 s warm-up, smaller engine run
//   --engine-rows N    rows for the engine bench (default 1,000,000; --quick 100,000)
//   --skip-engine, --skip-scheduler
//   --reuse            keep the loaded pipewright_bench of a previous run (development)
// BENCH_DATABASE_URL: a Postgres server (default postgres://postgres@127.0.0.1:5432/postgres);
// the bench (re)creates and uses only the `pipewright_bench` database on it.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { benchUrl, bulkLoad, recreateDatabase } from './lib/database.js';
import { engineBench, schedulerBench, type EngineResult, type SchedulerResult } from './lib/external-benches.js';
import { burst, drive, sequential, stream, type LoadOptions, type Measurement } from './lib/load.js';
import { startProcess, type ServerProcess } from './lib/processes.js';
import { renderRow, renderTable, type Row } from './lib/report.js';
import { credentials, seedTemplate, TEMPLATE } from './lib/seed.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'engine-rows': { type: 'string' },
    'skip-engine': { type: 'boolean', default: false },
    'skip-scheduler': { type: 'boolean', default: false },
    reuse: { type: 'boolean', default: false },
  },
});
const ROOT = resolve(import.meta.dirname, '..');
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB_URL = benchUrl(SERVER_URL);
const LOAD: LoadOptions = { connections: 10, warmupSeconds: args.quick ? 1 : 3, seconds: args.quick ? 3 : 10 };
// The run stream is stopped after this long if it has not finished (figures are then rates).
const STREAM_SECONDS = args.quick ? 15 : 45;
const ENGINE_ROWS = Number(args['engine-rows'] ?? (args.quick ? 100_000 : 1_000_000));
const SIZES = { pipelines: 100_000, runs: 1_000_000, hotRuns: 10_000, users: 1_000, keys: 1_000, tags: 20 };
const ORG = 'bench';
// A throwaway local database: a fixed password lets --reuse log in again.
const ADMIN = { email: 'admin@bench.local', password: 'pipewright-bench' };
const log = (m: string) => process.stderr.write(`${m}\n`);
const started = Date.now();

function serverEnv(dataDir: string): NodeJS.ProcessEnv {
  return {
    DATABASE_URL: DB_URL,
    PIPEWRIGHT_DATA_DIR: dataDir,
    PIPEWRIGHT_SECRET: randomBytes(32).toString('hex'),
    PIPEWRIGHT_ADMIN_EMAIL: ADMIN.email,
    PIPEWRIGHT_ADMIN_PASSWORD: ADMIN.password,
    PIPEWRIGHT_DEFAULT_ORG: ORG,
    PIPEWRIGHT_SCHEDULER: 'off',
    PIPEWRIGHT_LOGIN_RATE_LIMIT: '1000',
    LOG_LEVEL: 'warn',
  };
}

/** Ids and seqs the scenarios address, read once after the load (the same for both servers). */
async function fixtures() {
  const db = new pg.Client({ connectionString: DB_URL });
  await db.connect();
  try {
    const org = (await db.query(`SELECT id FROM organizations WHERE slug = $1`, [ORG])).rows[0].id as string;
    const sample = (await db.query(`SELECT id, seq FROM pipelines WHERE name LIKE 'pipeline-%' ORDER BY random() LIMIT 1000`)).rows;
    const hot = (await db.query(`SELECT id FROM pipelines WHERE name = $1`, [TEMPLATE])).rows[0].id as string;
    // Triggers go to pipelines no read scenario touches.
    const trigger = (await db.query(`SELECT seq FROM pipelines WHERE name LIKE 'pipeline-%' ORDER BY seq DESC LIMIT 1000`)).rows.map((r) => r.seq as number);
    return { org, ids: sample.map((r) => r.id as string), seqs: sample.map((r) => r.seq as number), hot, trigger };
  } finally {
    await db.end();
  }
}

async function main(): Promise<void> {
  log(`bench: building (tsc -b tsconfig.build.json) …`);
  execFileSync('npx', ['tsc', '-b', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  const dataDir = mkdtempSync(join(tmpdir(), 'pipewright-bench-'));
  const env = serverEnv(dataDir);
  const serverArgs = [join(ROOT, 'apps/server/dist/main.js')];
  let loadSeconds = 0;
  let apiKey: string;
  if (!args.reuse) {
    log(`bench: recreating ${DB_URL.replace(/\/\/[^@]*@/, '//')} …`);
    await recreateDatabase(SERVER_URL);
    // 1. The real server migrates and bootstraps; it writes the rows the bulk load clones.
    const first = await startProcess('server', serverArgs, 18080, env);
    ({ apiKey } = await credentials(first.url, ORG, ADMIN.email, ADMIN.password));
    await seedTemplate(first.url, apiKey);
    await first.stop();
    log('bench: bulk-loading …');
    const t0 = performance.now();
    await bulkLoad(DB_URL, TEMPLATE, SIZES, log);
    loadSeconds = (performance.now() - t0) / 1000;
  }
  const fx = await fixtures();

  // 2. Both servers, fresh processes, on the loaded database.
  const ours = await startProcess('server', serverArgs, 18080, env);
  if (args.reuse) ({ apiKey } = await credentials(ours.url, ORG, ADMIN.email, ADMIN.password));
  const base = await startProcess('baseline', ['--import', 'tsx', join(ROOT, 'bench/baseline-server.ts')], 18090, {
    DATABASE_URL: DB_URL,
    BENCH_ORG_ID: fx.org,
  });
  const auth = { authorization: `Bearer ${apiKey!}` };
  const rows: Row[] = [];
  const pair = async (scenario: string, name: string, oursRun: () => Promise<Measurement>, baseRun: (() => Promise<Measurement>) | null, note = '') => {
    log(`bench: ${scenario} ${name} …`);
    const o = await oursRun();
    const b = baseRun ? await baseRun() : null;
    const row = { scenario, name, ours: o, baseline: b, note };
    rows.push(row);
    log(renderRow(row));
  };
  const u = `/api/v1/unstract/${ORG}`;
  const ids = fx.ids;
  try {
    // Scenario 1: one pipeline through each dialect (Flow has no get: its list).
    const baseGet = () => drive(base, ids.map((id) => `/pipelines/${id}`), {}, LOAD);
    await pair('1', 'get: ZenML (hydrated)', () => drive(ours, ids.map((id) => `/api/v1/pipelines/${id}?hydrate=true`), auth, LOAD), baseGet);
    await pair('1', 'get: Unstract', () => drive(ours, ids.map((id) => `${u}/pipeline/${id}/`), auth, LOAD), baseGet);
    await pair('1', 'get: Meergo', () => drive(ours, fx.seqs.map((s) => `/v1/pipelines/${s}`), auth, LOAD), baseGet);
    await pair(
      '1',
      'list: Flow (all 100k)',
      () => sequential(ours, '/api/v1/flow/pipeline', auth, LOAD.seconds),
      () => sequential(base, '/all-pipelines', {}, LOAD.seconds),
      '1 connection',
    );
    // Scenario 2: first and deep pages with exact totals at 100k pipelines.
    await pair('2', 'ZenML size=20 page 1', () => drive(ours, ['/api/v1/pipelines?size=20&page=1'], auth, LOAD), () => drive(base, ['/pipelines?size=20&page=1'], {}, LOAD));
    await pair('2', 'ZenML size=20 page 2000', () => drive(ours, ['/api/v1/pipelines?size=20&page=2000'], auth, LOAD), () => drive(base, ['/pipelines?size=20&page=2000'], {}, LOAD));
    await pair('2', 'Unstract page_size=50 page 1', () => drive(ours, [`${u}/pipeline/?page_size=50&page=1`], auth, LOAD), () => drive(base, ['/pipelines?size=50&page=1'], {}, LOAD));
    await pair('2', 'Unstract page_size=50 page 2000', () => drive(ours, [`${u}/pipeline/?page_size=50&page=2000`], auth, LOAD), () => drive(base, ['/pipelines?size=50&page=2000'], {}, LOAD));
    // Scenario 3: ZenML filter.
    await pair(
      '3',
      'ZenML name contains | tag (or)',
      () => drive(ours, ['/api/v1/pipelines?size=20&name=contains:00042&tags=tag-7&logical_operator=or'], auth, LOAD),
      () => drive(base, ['/pipelines-filtered?size=20&name=00042&tag=tag-7'], {}, LOAD),
    );
    // Scenario 4: runs.
    await pair(
      '4',
      "Unstract a pipeline's executions (10k of 1M)",
      () => drive(ours, [`${u}/pipeline/${fx.hot}/executions/?page_size=50`], auth, LOAD),
      () => drive(base, [`/pipelines/${fx.hot}/runs?size=50`], {}, LOAD),
    );
    // Scenario 5: triggering (writes runs; before the stream, which leaves the baseline busy).
    await pair(
      '5',
      'Meergo POST /runs on 1,000 pipelines',
      () => burst(ours, fx.trigger.map((s) => `/v1/pipelines/${s}/runs`), auth, LOAD.connections),
      () => burst(base, fx.trigger.map((s) => `/pipelines/${s}/runs`), {}, LOAD.connections),
      'accepted/s',
    );
    // Last: the naive baseline keeps building its answer after the client gives up.
    await pair(
      '4',
      'Meergo GET /v1/pipelines/runs (1M, stream)',
      () => stream(ours, '/v1/pipelines/runs', auth, '"pipeline":', STREAM_SECONDS),
      () => stream(base, '/runs', {}, '"pipeline_id":', STREAM_SECONDS),
      'runs/s',
    );
  } finally {
    await ours.stop();
    await base.stop();
  }

  // Scenarios 6 and 7: the packages' own benches (their own databases).
  let engine: EngineResult | null = null;
  let scheduler: SchedulerResult | null = null;
  if (!args['skip-engine']) {
    log(`bench: 6 engine (${ENGINE_ROWS.toLocaleString('en')} rows) …`);
    engine = await engineBench(SERVER_URL, ENGINE_ROWS);
  }
  if (!args['skip-scheduler']) {
    log('bench: 7 scheduler (10,000 schedules) …');
    scheduler = await schedulerBench(SERVER_URL, 10_000, args.quick ? 10 : 20);
  }

  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    quick: args.quick,
    load: LOAD,
    sizes: SIZES,
    loadSeconds: Math.round(loadSeconds),
    totalSeconds: 0,
  };
  meta.totalSeconds = Math.round((Date.now() - started) / 1000);
  const table = renderTable(rows, engine, scheduler);
  process.stdout.write(table + '\n');
  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${meta.date.slice(0, 19).replace(/:/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ ...meta, scenarios: rows, engine, scheduler }, null, 2) + '\n');
  log(`bench: wrote ${file} (${meta.totalSeconds} s in all)`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
