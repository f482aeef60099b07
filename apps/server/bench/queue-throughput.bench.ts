// Run throughput of the queue executor with 1, 2 and 3 worker processes, next to the
// in-process executor, on one Postgres. Each scenario gets a fresh pipewright_test_bench_*
// database. BENCH_DATABASE_URL (default the local postgres), BENCH_RUNS (60),
// BENCH_RECORDS (2000 per run), BENCH_CONCURRENCY (2 runs at once per process).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor } from '@pipewright/core';
import { bootstrapAdmin, createApp, createLogger, openStorage, type ServerConfig } from '@pipewright/server';
import pg from 'pg';
import { build, startWorker, type Proc } from '../test/scale-out/processes.js';

const BASE = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const RUNS = Number(process.env.BENCH_RUNS ?? 60);
const RECORDS = Number(process.env.BENCH_RECORDS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 2);

async function scenario(workers: number): Promise<{ label: string; seconds: number }> {
  const name = `pipewright_test_bench_${process.pid}_${workers}`;
  const admin = new pg.Client({ connectionString: BASE });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(BASE);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const dataDir = mkdtempSync(join(tmpdir(), 'pipewright-bench-'));
  const queue = workers > 0;
  const config = {
    databaseUrl,
    dataDir,
    secret: 'bench-secret-0123456789abcdefghijklmn',
    schedulerEnabled: false,
    runConcurrency: CONCURRENCY,
    roles: queue ? ['api'] : ['api', 'scheduler', 'worker'],
    executor: queue ? 'queue' : 'in-process',
  } as Partial<ServerConfig>;
  const app = await createApp({
    env: {},
    config,
    storage: await openStorage({ databaseUrl, dataDir } as ServerConfig),
    logger: createLogger('silent'),
  });
  await bootstrapAdmin(
    app.core,
    { ...app.config, adminPassword: 'bench-password-1', defaultOrg: 'bench' },
    app.logger,
    { write: () => true } as unknown as NodeJS.WritableStream,
  );
  const procs: Proc[] = [];
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const org = (await app.core.auth.findOrganization({ slug: 'bench' }))!;
    const user = await app.core.admin.getUserByEmail(
      { kind: 'service', userId: '00000000-0000-0000-0000-000000000000', orgId: org.id, role: 'admin' },
      app.config.adminEmail,
    );
    const actor: Actor = { kind: 'user', userId: user.user.id, orgId: org.id, role: 'admin' };
    const records = Array.from({ length: RECORDS }, (_, n) => ({ n, name: `r${n}` }));
    const wf = await app.core.workflows.create(actor, {
      name: 'bench',
      definition: {
        source: { connector: 'inline', settings: { records } },
        stages: { filter: 'n % 10 != 0', transformation: '{"id": n, "label": $uppercase(name)}' },
        destination: { connector: 'none', settings: {} },
      },
    });
    const env = {
      DATABASE_URL: databaseUrl,
      PIPEWRIGHT_SECRET: 'bench-secret-0123456789abcdefghijklmn',
      PIPEWRIGHT_DATA_DIR: dataDir,
      PIPEWRIGHT_SCHEDULER: 'off',
    };
    const registered = async () => Number((await db.query('SELECT count(*) AS n FROM pipewright_workers')).rows[0].n);
    for (let i = 0; i < workers; i++) procs.push(await startWorker(env, CONCURRENCY, registered));
    const started = Date.now();
    for (let i = 0; i < RUNS; i++) await app.core.runs.triggerWorkflow(actor, wf.id);
    const open = async () =>
      Number(
        (await db.query("SELECT count(*) AS n FROM runs WHERE status NOT IN ('COMPLETED','ERROR','STOPPED')")).rows[0]
          .n,
      );
    while ((await open()) > 0) await new Promise((r) => setTimeout(r, 50));
    const seconds = (Date.now() - started) / 1000;
    const bad = Number((await db.query("SELECT count(*) AS n FROM runs WHERE status <> 'COMPLETED'")).rows[0].n);
    if (bad) throw new Error(`${bad} runs did not complete`);
    return { label: queue ? `queue, ${workers} worker${workers > 1 ? 's' : ''}` : 'in-process', seconds };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await app.close();
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

build();
console.log(
  `${RUNS} runs × ${RECORDS} records (inline → filter → JSONata → none), ${CONCURRENCY} runs at once per executing process`,
);
console.log('| executor | seconds | runs/s | records/s |\n|---|---:|---:|---:|');
for (const workers of [0, 1, 2, 3]) {
  const { label, seconds } = await scenario(workers);
  console.log(
    `| ${label} | ${seconds.toFixed(2)} | ${(RUNS / seconds).toFixed(1)} | ${Math.round((RUNS * RECORDS) / seconds).toLocaleString('en')} |`,
  );
}
