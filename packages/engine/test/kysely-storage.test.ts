import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CANCELLED, createCore, INTERRUPTED, noExecutor } from '@pipewright/core';
import { createTestStorage, type TestStorage } from '@pipewright/storage-kysely/testing';
import { engineWorld, hasher, sealer, tokens, type EngineWorld } from './support/harness.js';
import { createTestDatabase, TEST_DATABASE_URL } from './support/pg.js';

// The same end-to-end runs on the Kysely adapter: Postgres when TEST_DATABASE_URL is set,
// else embedded PGlite (the adapter's test helper decides).
describe('end to end on the Kysely storage adapter', () => {
  let store: TestStorage;
  let w: EngineWorld;
  let base: string;
  /** The organization's (acme's) own folder of the file root. */
  let root: string;

  beforeEach(async () => {
    store = await createTestStorage();
    base = await mkdtemp(path.join(tmpdir(), 'pipewright-engine-k-'));
    root = path.join(base, 'acme');
    await mkdir(root);
    w = await engineWorld({ fileRoot: base, leaseMs: 1_000 }, store.storage, () => store.cleanup());
  }, 60_000);
  afterEach(async () => {
    await w.close();
    await rm(base, { recursive: true, force: true });
  }, 60_000);

  it('counts 6,029 records with 55 filtered out exactly', async () => {
    const records = Array.from({ length: 6029 }, (_, id) => ({ id, drop: id > 0 && id <= 55 }));
    const wf = await w.workflow({
      source: { connector: 'inline', settings: {} },
      stages: { filter: 'drop = false', transformation: '{"id": id}' },
    });
    const run = await w.run(await w.pipeline(wf), { input: records });
    expect(run).toMatchObject({
      status: 'COMPLETED',
      stages: { passed: [6029, 6029, 5974, 5974, 5974, 5974], failed: [0, 0, 55, 0, 0, 0] },
    });
    const logs = await w.core.runs.logs(w.member, run.id, { minLevel: 'INFO' }, { page: 1, size: 50 });
    expect(logs.items.at(-1)!.message).toMatch(/^Run COMPLETED/);
  });

  it('runs files from a folder into a folder, with file executions and history', async () => {
    await mkdir(path.join(root, 'in'));
    await writeFile(path.join(root, 'in', 'a.csv'), 'id,qty\n1,0\n2,5\n');
    const wf = await w.workflow({
      source: { connector: 'filesystem', settings: { path: 'in' } },
      stages: { filter: '$number(qty) > 0', transformation: '{"id": $number(id)}' },
      destination: { connector: 'filesystem', settings: { path: 'out', format: 'ndjson' } },
    });
    const p = await w.pipeline(wf, { type: 'ETL' });
    const run = await w.run(p);
    expect(run).toMatchObject({
      status: 'COMPLETED',
      stages: { passed: [2, 2, 1, 1, 1, 1], failed: [0, 0, 1, 0, 0, 0] },
      files: { total: 1, ok: 1, failed: 0 },
    });
    expect(await readFile(path.join(root, 'out', 'in', 'a.ndjson'), 'utf8')).toBe('{"id":2}\n');
    expect((await w.run(p)).files.total).toBe(0);
    const executions = await store.storage.fileExecutions.listByRun(run.id, { page: 1, size: 10 });
    expect(executions.items.map((e) => e.status)).toEqual(['COMPLETED']);
  });

  it('cancels a run (STOPPING → STOPPED) and recovers an interrupted one', async () => {
    let entered!: () => void;
    const reached = new Promise<void>((r) => (entered = r));
    w.executor.registry.registerHandler(
      'block',
      (r, ctx) => new Promise((res) => (entered(), ctx.signal.addEventListener('abort', () => res(r)))),
    );
    const p = await w.pipeline(
      await w.workflow({
        source: { connector: 'inline', settings: { records: [{ a: 1 }] } },
        stages: { transformation: { handler: 'block' } },
      }),
    );
    const run = await w.core.runs.trigger(w.member, p);
    await reached;
    expect((await w.core.runs.cancel(w.admin, run.id)).status).toBe('STOPPING');
    await w.executor.settled(run.id);
    expect(await w.core.runs.get(w.member, run.id)).toMatchObject({
      status: 'STOPPED',
      error: CANCELLED,
      cancelledBy: w.admin.userId,
    });

    const dead = createCore({ storage: store.storage, hasher, sealer, tokens, clock: w.clock, executor: noExecutor });
    const orphan = await dead.runs.trigger(w.member, p);
    await dead.lifecycle.begin(orphan.id, 1_000);
    w.clock.advance(2_000);
    expect((await w.executor.startRecovery()).map((r) => r.id)).toEqual([orphan.id]);
    expect(await w.core.runs.get(w.member, orphan.id)).toMatchObject({ status: 'ERROR', error: INTERRUPTED });
  });

  // The postgres connectors need a real server for their own databases (TEST_DATABASE_URL).
  (TEST_DATABASE_URL ? describe : describe.skip)('with a postgres source and destination', () => {
    it('copies a postgres table incrementally', async () => {
      const db = await createTestDatabase();
      try {
        await db.query(`CREATE TABLE src (id int PRIMARY KEY, v int, updated_at timestamptz)`);
        await db.query(
          `INSERT INTO src SELECT g, g, timestamptz '2026-01-01' + g * interval '1 second' FROM generate_series(1, 300) g`,
        );
        await db.query(`CREATE TABLE dst (id int PRIMARY KEY, v int)`);
        const conn = await w.connection('postgres', { connectionString: db.url });
        const wf = await w.workflow({
          source: { connector: 'postgres', connection: conn, settings: { table: 'src' } },
          stages: { filter: 'v % 10 != 0', transformation: '{"id": id, "v": v * 10}' },
          destination: {
            connector: 'postgres',
            connection: conn,
            settings: { table: 'dst', mode: 'upsert', keyColumns: ['id'] },
          },
        });
        const p = await w.pipeline(wf, { updatedAtColumn: 'updated_at', incremental: true });
        expect((await w.run(p)).stages).toEqual({
          passed: [300, 300, 270, 270, 270, 270],
          failed: [0, 0, 30, 0, 0, 0],
        });
        await db.query(`UPDATE src SET v = 11, updated_at = '2027-01-01' WHERE id = 1`);
        expect((await w.run(p)).stages).toEqual({ passed: [1, 1, 1, 1, 1, 1], failed: [0, 0, 0, 0, 0, 0] });
        expect((await db.query('SELECT v FROM dst WHERE id = 1')).rows[0].v).toBe(110);
        expect((await w.core.pipelines.get(w.member, p)).cursor).toBe('2027-01-01T00:00:00+00:00');
      } finally {
        await db.drop();
      }
    });
  });
});
