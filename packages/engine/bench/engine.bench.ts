/**
 * Engine throughput benchmark (not a test): 1,000,000 rows postgres → postgres through
 * all six stages, against a hand-written loop doing the same reads (server-side cursor,
 * same batch size) and the same batched multi-row INSERTs, in the same process.
 *
 *   npm run bench -w @pipewright/engine
 *
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) names the server;
 * the bench creates and finally drops the database `pipewright_bench_engine` on it.
 * BENCH_ROWS (default 1000000) and BENCH_BATCH (default 500) change the size.
 */
import { createHash } from 'node:crypto';
import { createCore, type Actor } from '@pipewright/core';
import { InProcessExecutor } from '@pipewright/engine';
import { createMemoryStorage } from '@pipewright/storage-memory';
import pg from 'pg';

const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DATABASE = 'pipewright_bench_engine';
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);

const dbUrl = (() => {
  const u = new URL(SERVER);
  u.pathname = `/${DATABASE}`;
  return u.toString();
})();

/** Peak RSS per phase, sampled every 50 ms (the process-wide peak is in resourceUsage). */
class RssSampler {
  peak = 0;
  private timer = setInterval(() => this.sample(), 50);
  sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage().rss);
  }
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function setUp(): Promise<void> {
  const admin = new pg.Client({ connectionString: SERVER });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DATABASE}`);
  await admin.end();
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  await db.query(
    `CREATE TABLE src (id int PRIMARY KEY, name text NOT NULL, amount int NOT NULL, category text NOT NULL, updated_at timestamptz NOT NULL)`,
  );
  const t0 = performance.now();
  await db.query(
    `INSERT INTO src SELECT g, 'customer-' || g, g % 1000, (ARRAY['a','b','c','d'])[1 + g % 4],
            timestamptz '2026-01-01' + g * interval '1 millisecond'
       FROM generate_series(1, $1) g`,
    [ROWS],
  );
  await db.query('CREATE INDEX src_updated_at ON src (updated_at)');
  await db.query('CREATE TABLE dst (id int PRIMARY KEY, name text, total int, category text)');
  await db.query('VACUUM ANALYZE src');
  await db.query('SELECT sum(amount) FROM src'); // warm the cache for both contenders
  console.log(`loaded ${ROWS.toLocaleString('en')} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await db.end();
}

async function resetDestination(): Promise<void> {
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  await db.query('TRUNCATE dst');
  await db.query('CHECKPOINT');
  await db.end();
}

async function countDestination(): Promise<number> {
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM dst');
  await db.end();
  return rows[0]!.n;
}

/** The hand-written loop: cursor reads of BATCH rows, filter and map in JS, one multi-row INSERT per batch. */
async function baseline(): Promise<number> {
  const src = new pg.Client({ connectionString: dbUrl });
  const dst = new pg.Client({ connectionString: dbUrl });
  await src.connect();
  await dst.connect();
  await src.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  await src.query('DECLARE c NO SCROLL CURSOR FOR SELECT * FROM (SELECT * FROM src) AS s ORDER BY updated_at');
  let read = 0;
  for (;;) {
    const { rows } = await src.query(`FETCH ${BATCH} FROM c`);
    read += rows.length;
    const values: unknown[] = [];
    const tuples: string[] = [];
    for (const r of rows) {
      if (r.amount % 10 === 0) continue;
      values.push(r.id, String(r.name).toUpperCase(), r.amount * 2, r.category);
      const n = values.length;
      tuples.push(`($${n - 3},$${n - 2},$${n - 1},$${n})`);
    }
    if (tuples.length)
      await dst.query(`INSERT INTO "dst" ("id","name","total","category") VALUES ${tuples.join(',')}`, values);
    if (rows.length < BATCH) break;
  }
  await src.query('COMMIT');
  await src.end();
  await dst.end();
  return read;
}

const hasher = {
  hashPassword: async (p: string) => `h:${p}`,
  verifyPassword: async (p: string, h: string) => h === `h:${p}`,
  lookupHash: (s: string) => createHash('sha256').update(s).digest('hex'),
};
const sealer = { seal: (s: string) => s, unseal: (s: string) => s };
const tokens = { sign: async () => 't', verify: async () => null };

/** The engine: a pipeline run on the in-memory core (so only the engine is measured). */
async function engine(transformation: 'jsonata' | 'handler'): Promise<{ passed: number[]; failed: number[] }> {
  const executor = new InProcessExecutor({ batchSize: BATCH, logLevel: 'INFO' });
  executor.registry.registerHandler('shape', (r) => {
    const row = r as { id: number; name: string; amount: number; category: string };
    return { id: row.id, name: row.name.toUpperCase(), total: row.amount * 2, category: row.category };
  });
  const storage = createMemoryStorage();
  const core = createCore({
    storage,
    hasher,
    sealer,
    tokens,
    executor,
    definitions: executor.definitions,
    connectionKinds: executor.connectionKinds,
  });
  executor.attach(core);
  const boot = (await core.admin.bootstrap({ orgSlug: 'bench', email: 'bench@example.com', password: 'password-1' }))!;
  const actor: Actor = { kind: 'user', userId: boot.user.id, orgId: boot.org.id, role: 'admin' };
  // Source and destination: one connection to the bench database, which the workflow names.
  await core.connections.create(actor, { name: 'bench-db', kind: 'postgres', settings: { connectionString: dbUrl } });
  const wf = await core.workflows.create(actor, {
    name: `bench-${transformation}`,
    definition: {
      source: { connector: 'postgres', connection: 'bench-db', settings: { table: 'src' } },
      stages: {
        inputSchema: {
          type: 'object',
          required: ['id', 'amount'],
          properties: { id: { type: 'integer' }, amount: { type: 'integer' } },
        },
        filter: 'amount % 10 != 0',
        transformation:
          transformation === 'jsonata'
            ? '{"id": id, "name": $uppercase(name), "total": amount * 2, "category": category}'
            : { handler: 'shape' },
        outputSchema: { type: 'object', required: ['id', 'total'] },
      },
      destination: { connector: 'postgres', connection: 'bench-db', settings: { table: 'dst' } },
    },
  });
  // Incremental on updated_at: the run also saves its cursor every batch, as in production.
  const { pipeline } = await core.pipelines.create(actor, {
    name: 'bench',
    workflowId: wf.id,
    updatedAtColumn: 'updated_at',
    incremental: true,
  });
  const run = await core.runs.trigger(actor, pipeline.id);
  await executor.settled(run.id);
  const ended = await core.runs.get(actor, run.id);
  if (ended.status !== 'COMPLETED') throw new Error(`engine run ended ${ended.status}: ${ended.error}`);
  await executor.drain(0);
  await storage.close();
  return ended.stages;
}

async function measure<T>(
  name: string,
  work: () => Promise<T>,
): Promise<{ seconds: number; peakRss: number; result: T }> {
  await resetDestination();
  const rss = new RssSampler();
  const t0 = performance.now();
  const result = await work();
  const seconds = (performance.now() - t0) / 1000;
  const peakRss = rss.stop();
  const written = await countDestination();
  console.log(
    `${name.padEnd(34)} ${(ROWS / seconds).toFixed(0).padStart(8)} records/s  ${seconds.toFixed(1).padStart(6)} s  peak RSS ${mb(peakRss)}  (${written.toLocaleString('en')} written)`,
  );
  return { seconds, peakRss, result };
}

async function main(): Promise<void> {
  console.log(
    `engine bench: ${ROWS.toLocaleString('en')} rows, batch ${BATCH}, node ${process.version}, RSS at start ${mb(process.memoryUsage().rss)}`,
  );
  await setUp();
  try {
    const base = await measure('baseline loop (JS filter + map)', baseline);
    const jsonata = await measure('engine, JSONata filter + transform', () => engine('jsonata'));
    const handler = await measure('engine, JSONata filter + handler', () => engine('handler'));
    console.log(
      `engine counters: passed [${jsonata.result.passed.join(', ')}], failed [${jsonata.result.failed.join(', ')}]`,
    );
    console.log(
      `ratio engine/baseline (records/s): JSONata ${(base.seconds / jsonata.seconds).toFixed(2)}, handler ${(base.seconds / handler.seconds).toFixed(2)}`,
    );
    console.log(`process peak RSS ${mb(process.resourceUsage().maxRSS * 1024)}`);
  } finally {
    const admin = new pg.Client({ connectionString: SERVER });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
