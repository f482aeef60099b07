import { CANCELLED } from '@pipewright/core';
import { engineWorld, eventually, type EngineWorld } from './support/harness.js';
import { createTestDatabase, TEST_DATABASE_URL } from './support/pg.js';

// These need a real Postgres: CI sets TEST_DATABASE_URL; without it they cannot run.
const describePg = TEST_DATABASE_URL ? describe : describe.skip;

describePg('a stopped run cancels its source query on the database', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let w: EngineWorld;
  let conn: string;
  const SLEEP = 'SELECT pg_sleep(30) AS slept';

  beforeAll(async () => {
    db = await createTestDatabase();
  }, 30_000);
  afterAll(() => db?.drop(), 30_000);
  afterEach(() => w.close());

  const sleeping = async () =>
    // The statement running is the cursor's FETCH, sleeping: this test database's only sleeper.
    (
      await db.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND wait_event = 'PgSleep'`,
      )
    ).rows[0].n as number;

  async function sleepyPipeline(extra: { runTimeoutSeconds?: number } = {}): Promise<string> {
    conn = await w.connection('postgres', { connectionString: db.url }, 'test-db');
    const wf = await w.workflow({
      source: { connector: 'postgres', connection: conn, settings: { query: SLEEP } },
      destination: { connector: 'none', settings: {} },
    });
    return w.pipeline(wf, extra);
  }

  it('ends a cancelled run STOPPED at once, and the query is gone from the server', async () => {
    w = await engineWorld();
    const run = await w.core.runs.trigger(w.member, await sleepyPipeline());
    await eventually(async () => (await sleeping()) === 1, 10_000);
    const asked = Date.now();
    await w.core.runs.cancel(w.member, run.id);
    await w.executor.settled(run.id);
    const took = Date.now() - asked;
    expect(await w.core.runs.get(w.member, run.id)).toMatchObject({ status: 'STOPPED', error: CANCELLED });
    expect(took).toBeLessThan(2_000);
    await eventually(async () => (await sleeping()) === 0, 1_000);
  });

  it('ends a run past its time limit STOPPED with the reason, and cancels its query', async () => {
    w = await engineWorld();
    const started = Date.now();
    const run = await w.run(await sleepyPipeline({ runTimeoutSeconds: 1 }));
    expect(run).toMatchObject({ status: 'STOPPED', error: "run timed out after 1 s (the pipeline's limit)" });
    expect(Date.now() - started).toBeLessThan(3_000);
    await eventually(async () => (await sleeping()) === 0, 1_000);
  });
});
