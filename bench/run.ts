// `npm run bench`: every hot path of the real server against a bare Express + pg baseline
// in the same run (see bench/README section in the root README). Options:
//   --quick            3 s per scenario (development), 1 s warm-up, smaller engine run
//   --engine-rows N    rows for the engine bench (default 1,000,000; --quick 100,000)
//   --skip-engine, --skip-scheduler
//   --skip-pglite      no second server on embedded PGlite (1,000 pipelines) after the Postgres scenarios
//   --reuse            keep the loaded pipewright_bench of a previous run (development)
// BENCH_DATABASE_URL: a Postgres server (default postgres://postgres@127.0.0.1:5432/postgres);
// the bench (re)creates and uses only the `pipewright_bench` database on it.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { benchUrl, bulkLoad, recreateDatabase, resetSink, sinkRows } from './lib/database.js';
import { engineBench, schedulerBench, type EngineResult, type SchedulerResult } from './lib/external-benches.js';
import { burst, drive, sequential, stream, type LoadOptions, type Measurement } from './lib/load.js';
import { startCommand, startProcess, type ServerProcess } from './lib/processes.js';
import { renderRow, renderTable, type Row } from './lib/report.js';
import {
  callJson,
  createPipelines,
  deletePipelines,
  inlineRecords,
  inParallel,
  meergoOutcome,
  runThroughput,
  SINK_TABLE,
  until,
  type Outcome,
  type RunApi,
} from './lib/runs.js';
import { credentials, seedTemplate, TEMPLATE } from './lib/seed.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'engine-rows': { type: 'string' },
    'skip-engine': { type: 'boolean', default: false },
    'skip-scheduler': { type: 'boolean', default: false },
    'skip-pglite': { type: 'boolean', default: false },
    reuse: { type: 'boolean', default: false },
  },
});
const ROOT = resolve(import.meta.dirname, '..');
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB_URL = benchUrl(SERVER_URL);
const LOAD: LoadOptions = { connections: 10, warmupSeconds: args.quick ? 1 : 3, seconds: args.quick ? 3 : 10 };
// The run stream is stopped after this long if it has not finished (figures are then rates);
// 120 s lets the whole 1,000,000 runs through, so its RSS growth is the full answer's.
const STREAM_SECONDS = args.quick ? 15 : 120;
const ENGINE_ROWS = Number(args['engine-rows'] ?? (args.quick ? 100_000 : 1_000_000));
const SIZES = { pipelines: 100_000, runs: 1_000_000, hotRuns: 10_000, users: 1_000, keys: 1_000, tags: 20 };
const ORG = 'bench';
// Scenario 5b: one run on each of these pipelines, all triggered at once; the deadline only guards a hang.
const INLINE = { pipelines: args.quick ? 50 : 200, records: 100, timeoutSeconds: 90 };
// The PGlite server is seeded through its API (the only way into an embedded database): enough
// pipelines for lists and spread-out gets, not a bulk load.
const PGLITE_PIPELINES = 1_000;
// A throwaway local database: a fixed password lets --reuse log in again.
const ADMIN = { email: 'admin@bench.local', password: 'pipewright-bench' };
// Runs at once in the server: the product default. 4 and 8 gave the same 5b throughput on 2
// cores (the runs are CPU-bound, not waiting), so a higher setting would only lengthen the queue.
const RUN_CONCURRENCY = '4';
const started = Date.now();
// Progress goes to stderr with the time since start (the full run has a 15-minute budget).
const log = (m: string) =>
  process.stderr.write(m.startsWith('bench:') ? `${m} [${Math.round((Date.now() - started) / 1000)} s]\n` : `${m}\n`);

const SERVER = startCommand(ROOT);

/** The real server's environment; an empty `databaseUrl` makes it use embedded PGlite in `dataDir`. */
function serverEnv(dataDir: string, databaseUrl: string): NodeJS.ProcessEnv {
  return {
    ...SERVER.env,
    DATABASE_URL: databaseUrl,
    PIPEWRIGHT_DATA_DIR: dataDir,
    PIPEWRIGHT_SECRET: randomBytes(32).toString('hex'),
    PIPEWRIGHT_ADMIN_EMAIL: ADMIN.email,
    PIPEWRIGHT_ADMIN_PASSWORD: ADMIN.password,
    PIPEWRIGHT_DEFAULT_ORG: ORG,
    PIPEWRIGHT_SCHEDULER: 'off',
    // With the scheduler off, runs must still execute in this process (the default roles; said
    // here so an environment that sets other roles cannot send them to a queue nobody serves).
    PIPEWRIGHT_ROLES: 'api,scheduler,worker',
    PIPEWRIGHT_RUN_CONCURRENCY: RUN_CONCURRENCY,
    PIPEWRIGHT_LOGIN_RATE_LIMIT: '1000',
    LOG_LEVEL: 'warn',
    // Scenario 5b writes to a table of the local Postgres (a loopback target, refused by
    // default on Postgres) in the bench database itself, which is also the server's own: the
    // operator's override for rule 1 keeps the sink where the baseline writes it too.
    PIPEWRIGHT_EGRESS_ALLOW: 'loopback,private',
    PIPEWRIGHT_EGRESS_ALLOW_CONTROL_DATABASE: 'on',
  };
}

/** A server under test and what the scenarios address on it (the same ids for ours and the baseline). */
interface Target {
  server: ServerProcess;
  auth: Record<string, string>;
  /** Pipelines to get: uuids, and their Meergo int ids. */
  ids: string[];
  seqs: number[];
  /** Pipelines POST /runs goes to (scenario 5). */
  trigger: number[];
  /** Runs not yet ended (scenario 5's runs must end before 5b measures). */
  openRuns(): Promise<number>;
}

const U = `/api/v1/unstract/${ORG}`;

/** Scenario 1: one pipeline through each dialect (Flow has no get: its list), on either server. */
const GETS: { name: string; run: (t: Target) => Promise<Measurement> }[] = [
  {
    name: 'get: ZenML (hydrated)',
    run: (t) =>
      drive(
        t.server,
        t.ids.map((id) => `/api/v1/pipelines/${id}?hydrate=true`),
        t.auth,
        LOAD,
      ),
  },
  {
    name: 'get: Unstract',
    run: (t) =>
      drive(
        t.server,
        t.ids.map((id) => `${U}/pipeline/${id}/`),
        t.auth,
        LOAD,
      ),
  },
  {
    name: 'get: Meergo',
    run: (t) =>
      drive(
        t.server,
        t.seqs.map((s) => `/v1/pipelines/${s}`),
        t.auth,
        LOAD,
      ),
  },
];

/** Scenario 2's first pages, ours and the baseline's (the deep pages do not exist among PGlite's 1,000). */
const FIRST_PAGES = [
  { name: 'ZenML size=20 page 1', ours: '/api/v1/pipelines?size=20&page=1', base: '/pipelines?size=20&page=1' },
  {
    name: 'Unstract page_size=50 page 1',
    ours: `${U}/pipeline/?page_size=50&page=1`,
    base: '/pipelines?size=50&page=1',
  },
];

const TRIGGER_NAME = 'Meergo POST /runs on 1,000 pipelines';
const triggerRuns = (t: Target) =>
  burst(
    t.server,
    t.trigger.map((s) => `/v1/pipelines/${s}/runs`),
    t.auth,
    LOAD.connections,
  );

const INLINE_NAME = `Meergo runs of a ${INLINE.records}-record inline workflow → Postgres table (${INLINE.pipelines} pipelines)`;

const connectionsPath = `/admin/api/v1/organizations/${ORG}/connections`;

/**
 * Scenario 5b's pipelines: inline records into the sink, no filter or transformation (scenario 6
 * measures those). The sink is a postgres connection the admin creates first (not measured);
 * the pipelines name it. `dropInlinePipelines` removes both afterwards.
 */
async function inlinePipelines(target: Target): Promise<{ pipelines: number[]; connection: string }> {
  const stamp = Date.now().toString(36); // unique names, so --reuse never clashes with a previous run's
  const sink = await callJson(target.server, 'POST', connectionsPath, target.auth, {
    name: `bench-sink-${stamp}`,
    kind: 'postgres',
    settings: { connectionString: DB_URL },
  });
  const body = (i: number) => ({
    name: `inline-${stamp}-${i}`,
    enabled: true,
    source: { connector: 'inline', settings: { records: inlineRecords(INLINE.records) } },
    destination: {
      connector: 'postgres',
      connection: sink.id as string,
      settings: { table: SINK_TABLE, mode: 'insert' },
    },
  });
  const pipelines = await createPipelines(
    target.server,
    target.auth,
    Array.from({ length: INLINE.pipelines }, (_, i) => body(i)),
  );
  return { pipelines, connection: sink.id as string };
}

async function dropInlinePipelines(target: Target, inline: { pipelines: number[]; connection: string }): Promise<void> {
  await deletePipelines(target.server, target.auth, inline.pipelines);
  await callJson(target.server, 'DELETE', `${connectionsPath}/${inline.connection}`, target.auth);
}

/** Our side of 5b: Meergo's trigger and run view. */
const oursRuns = (t: Target): RunApi => ({
  server: t.server,
  headers: t.auth,
  triggerPath: (p) => `/v1/pipelines/${p}/runs`,
  runPath: (r) => `/v1/pipelines/runs/${r}`,
  outcome: meergoOutcome(INLINE.records),
});

/** The baseline's side of 5b: its naive run route and the run row's status. */
const baselineRuns = (server: ServerProcess): RunApi => ({
  server,
  headers: {},
  triggerPath: (p) => `/pipelines/${p}/inline-runs`,
  runPath: (r) => `/runs/${r}`,
  outcome: (run: { status: string }): Outcome =>
    run.status === 'COMPLETED' ? 'completed' : run.status === 'EXECUTING' ? 'open' : 'failed',
});

/** One side of 5b: an empty sink, the runs, then a check that every completed run wrote all its records. */
async function inlineRuns(api: RunApi, pipelines: number[]): Promise<Measurement> {
  await resetSink(DB_URL, SINK_TABLE);
  const m = await runThroughput(api, pipelines, LOAD.connections, INLINE.timeoutSeconds);
  const rows = await sinkRows(DB_URL, SINK_TABLE);
  const expected = m.extra!.completed! * INLINE.records;
  if (rows !== expected) {
    log(`  ${api.server.name}: the sink has ${rows} rows, ${expected} expected`);
    m.errors++;
  }
  return m;
}

/** Waits for scenario 5's runs to end, so they do not compete with the next scenario. */
async function settle(t: Target): Promise<void> {
  if (!(await until(async () => (await t.openRuns()) === 0, 120)))
    log(`  ${t.server.name}: runs still open after 120 s`);
}

/** Ids and seqs the scenarios address, read once after the load (the same for both servers). */
async function fixtures() {
  const db = new pg.Client({ connectionString: DB_URL });
  await db.connect();
  try {
    const org = (await db.query(`SELECT id FROM organizations WHERE slug = $1`, [ORG])).rows[0].id as string;
    const sample = (
      await db.query(`SELECT id, seq FROM pipelines WHERE name LIKE 'pipeline-%' ORDER BY random() LIMIT 1000`)
    ).rows;
    const hot = (await db.query(`SELECT id FROM pipelines WHERE name = $1`, [TEMPLATE])).rows[0].id as string;
    // Triggers go to pipelines no read scenario touches.
    const trigger = (
      await db.query(`SELECT seq FROM pipelines WHERE name LIKE 'pipeline-%' ORDER BY seq DESC LIMIT 1000`)
    ).rows.map((r) => r.seq as number);
    return { org, ids: sample.map((r) => r.id as string), seqs: sample.map((r) => r.seq as number), hot, trigger };
  } finally {
    await db.end();
  }
}

/** Open runs in the bench database (the partial index on open runs makes this cheap). */
async function openRunsInDb(): Promise<number> {
  const db = new pg.Client({ connectionString: DB_URL });
  await db.connect();
  try {
    return (await db.query(`SELECT count(*)::int AS n FROM runs WHERE status IN ('PENDING', 'EXECUTING', 'STOPPING')`))
      .rows[0].n as number;
  } finally {
    await db.end();
  }
}

type Pair = (
  scenario: string,
  name: string,
  oursRun: () => Promise<Measurement>,
  baseRun: (() => Promise<Measurement>) | null,
  note?: string,
) => Promise<void>;

/** Scenarios 1–5b on the loaded Postgres database: ours, then the baseline, per scenario. */
async function postgresScenarios(t: Target, base: ServerProcess, hot: string, pair: Pair): Promise<void> {
  const baseGet = () =>
    drive(
      base,
      t.ids.map((id) => `/pipelines/${id}`),
      {},
      LOAD,
    );
  for (const g of GETS) await pair('1', g.name, () => g.run(t), baseGet);
  await pair(
    '1',
    'list: Flow (all 100k)',
    () => sequential(t.server, '/api/v1/flow/pipeline', t.auth, LOAD.seconds),
    () => sequential(base, '/all-pipelines', {}, LOAD.seconds),
    '1 connection',
  );
  // Scenario 2: first and deep pages with exact totals at 100k pipelines.
  for (const p of FIRST_PAGES)
    await pair(
      '2',
      p.name,
      () => drive(t.server, [p.ours], t.auth, LOAD),
      () => drive(base, [p.base], {}, LOAD),
    );
  await pair(
    '2',
    'ZenML size=20 page 2000',
    () => drive(t.server, ['/api/v1/pipelines?size=20&page=2000'], t.auth, LOAD),
    () => drive(base, ['/pipelines?size=20&page=2000'], {}, LOAD),
  );
  await pair(
    '2',
    'Unstract page_size=50 page 2000',
    () => drive(t.server, [`${U}/pipeline/?page_size=50&page=2000`], t.auth, LOAD),
    () => drive(base, ['/pipelines?size=50&page=2000'], {}, LOAD),
  );
  // Scenario 3: ZenML filter.
  await pair(
    '3',
    'ZenML name contains | tag (or)',
    () =>
      drive(t.server, ['/api/v1/pipelines?size=20&name=contains:00042&tags=tag-7&logical_operator=or'], t.auth, LOAD),
    () => drive(base, ['/pipelines-filtered?size=20&name=00042&tag=tag-7'], {}, LOAD),
  );
  // Scenario 4: runs.
  await pair(
    '4',
    "Unstract a pipeline's executions (10k of 1M)",
    () => drive(t.server, [`${U}/pipeline/${hot}/executions/?page_size=50`], t.auth, LOAD),
    () => drive(base, [`/pipelines/${hot}/runs?size=50`], {}, LOAD),
  );
  // Scenario 5: triggering (writes runs; before the stream, which leaves the baseline busy).
  await pair(
    '5',
    TRIGGER_NAME,
    () => triggerRuns(t),
    () =>
      burst(
        base,
        t.trigger.map((s) => `/pipelines/${s}/runs`),
        {},
        LOAD.connections,
      ),
    'accepted/s',
  );
  await settle(t);
  // Scenario 5b: runs that move records, to their end; the pipelines go again afterwards (--reuse).
  log('bench: 5b creating the inline pipelines …');
  const inline = await inlinePipelines(t);
  await pair(
    '5b',
    INLINE_NAME,
    () => inlineRuns(oursRuns(t), inline.pipelines),
    () => inlineRuns(baselineRuns(base), inline.pipelines),
    'completed runs/s',
  );
  await dropInlinePipelines(t, inline);
  // Last: the naive baseline keeps building its answer after the client gives up.
  await pair(
    '4',
    'Meergo GET /v1/pipelines/runs (1M, stream)',
    () => stream(t.server, '/v1/pipelines/runs', t.auth, '"pipeline":', STREAM_SECONDS),
    // The naive baseline sends nothing before it has built the whole answer: 30 s shows that.
    () => stream(base, '/runs', {}, '"pipeline_id":', Math.min(STREAM_SECONDS, 30)),
    'runs/s',
  );
}

/**
 * The server a second time, on embedded PGlite (no DATABASE_URL, a fresh data folder), seeded
 * through its API with 1,000 pipelines: scenarios 1, 2's first pages, 5 and 5b. Their figures
 * go to the rows of the same scenarios (`attach`). Returns the seeding time in seconds.
 */
async function pgliteScenarios(serverArgs: string[], attach: (name: string, m: Measurement) => void): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'pipewright-bench-pglite-'));
  const server = await startProcess('pglite', serverArgs, 18081, serverEnv(dir, ''));
  try {
    const { apiKey } = await credentials(server.url, ORG, ADMIN.email, ADMIN.password);
    const auth = { authorization: `Bearer ${apiKey}` };
    log(`bench: PGlite seeding ${PGLITE_PIPELINES.toLocaleString('en')} pipelines through the API …`);
    const t0 = performance.now();
    const names = Array.from({ length: PGLITE_PIPELINES }, (_, i) => ({
      name: `pipeline-${String(i + 1).padStart(6, '0')}`,
      enabled: true,
    }));
    const seqs = await createPipelines(server, auth, names);
    const ids = await inParallel(
      seqs,
      4,
      async (s) => (await callJson(server, 'GET', `/v1/pipelines/${s}`, auth)).uuid as string,
    );
    const seedSeconds = (performance.now() - t0) / 1000;
    const openRuns = async () =>
      (await callJson(server, 'GET', '/v1/pipelines/runs', auth)).runs.filter(
        (r: { endTime: string | null }) => !r.endTime,
      ).length as number;
    const t: Target = { server, auth, ids, seqs, trigger: seqs, openRuns };
    const measure = async (name: string, run: () => Promise<Measurement>) => {
      log(`bench: PGlite ${name} …`);
      const m = await run();
      attach(name, m);
    };
    // Triggers first, so every pipeline has a run (as the loaded ones have) when the reads begin.
    await measure(TRIGGER_NAME, () => triggerRuns(t));
    await settle(t);
    for (const g of GETS) await measure(g.name, () => g.run(t));
    for (const p of FIRST_PAGES) await measure(p.name, () => drive(server, [p.ours], auth, LOAD));
    const inline = await inlinePipelines(t);
    await measure(INLINE_NAME, () => inlineRuns(oursRuns(t), inline.pipelines));
    return seedSeconds;
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  log(`bench: building (tsc -b tsconfig.build.json) …`);
  execFileSync('npx', ['tsc', '-b', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  const dataDir = mkdtempSync(join(tmpdir(), 'pipewright-bench-'));
  const env = serverEnv(dataDir, DB_URL);
  const serverArgs = SERVER.args;
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
  const rows: Row[] = [];
  const pair: Pair = async (scenario, name, oursRun, baseRun, note = '') => {
    log(`bench: ${scenario} ${name} …`);
    const o = await oursRun();
    const b = baseRun ? await baseRun() : null;
    const row = { scenario, name, ours: o, baseline: b, note };
    rows.push(row);
    log(renderRow(row));
  };
  const target: Target = {
    server: ours,
    auth: { authorization: `Bearer ${apiKey!}` },
    ids: fx.ids,
    seqs: fx.seqs,
    trigger: fx.trigger,
    openRuns: openRunsInDb,
  };
  try {
    await postgresScenarios(target, base, fx.hot, pair);
  } finally {
    await ours.stop();
    await base.stop();
  }

  // 3. Ours again on embedded PGlite: its figures join the rows of the same scenarios.
  let pgliteSeedSeconds: number | null = null;
  if (!args['skip-pglite']) {
    pgliteSeedSeconds = await pgliteScenarios(serverArgs, (name, m) => {
      const row = rows.find((r) => r.name === name)!;
      row.pglite = m;
      log(renderRow(row));
    });
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
    inline: INLINE,
    runConcurrency: Number(RUN_CONCURRENCY),
    pglite:
      pgliteSeedSeconds === null ? null : { pipelines: PGLITE_PIPELINES, seedSeconds: Math.round(pgliteSeedSeconds) },
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
