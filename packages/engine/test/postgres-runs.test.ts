import { engineWorld, type EngineWorld } from './support/harness.js';
import { createTestDatabase, TEST_DATABASE_URL } from './support/pg.js';

// These need a real Postgres: CI sets TEST_DATABASE_URL; without it they cannot run.
const describePg = TEST_DATABASE_URL ? describe : describe.skip;

describePg('postgres source → postgres destination', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let w: EngineWorld;
  /** The test database's connection (created per world). */
  let conn: string;

  beforeAll(async () => {
    db = await createTestDatabase();
  }, 30_000);
  afterAll(() => db?.drop(), 30_000);

  beforeEach(async () => {
    w = await engineWorld({ batchSize: 100 });
    conn = await w.connection('postgres', { connectionString: db.url }, 'test-db');
    await db.query('DROP TABLE IF EXISTS src, dst');
    // Three rows share each update time (and microseconds matter), so batches split equal values.
    await db.query(
      `CREATE TABLE src (id int PRIMARY KEY, name text NOT NULL, amount int NOT NULL, tags jsonb, updated_at timestamptz)`,
    );
    await db.query(
      `INSERT INTO src SELECT g, 'name-' || g, g % 50, jsonb_build_array(g), timestamptz '2026-01-01 00:00:00.000001+00' + ((g - 1) / 3) * interval '1.000001 second'
         FROM generate_series(1, 1000) g`,
    );
    await db.query(
      `CREATE TABLE dst (id int PRIMARY KEY, name text, total int CHECK (total >= 0), tags jsonb, copied_at timestamptz DEFAULT now())`,
    );
  });
  afterEach(() => w.close());

  const workflow = (extra: { filter?: string; transformation?: string; table?: string; query?: string } = {}) =>
    w.workflow({
      source: {
        connector: 'postgres',
        connection: conn,
        settings: { ...(extra.query ? { query: extra.query } : { table: extra.table ?? 'src' }) },
      },
      stages: {
        filter: extra.filter ?? 'amount != 0',
        transformation:
          extra.transformation ?? '{"id": id, "name": $uppercase(name), "total": amount * 2, "tags": tags}',
        outputSchema: { type: 'object', required: ['id', 'total'] },
      },
      destination: {
        connector: 'postgres',
        connection: conn,
        settings: { table: 'dst', mode: 'upsert', keyColumns: ['id'] },
      },
    });

  it('copies a table incrementally: a second run picks up only the changed rows', async () => {
    const p = await w.pipeline(await workflow(), { updatedAtColumn: 'updated_at', incremental: true });
    const first = await w.run(p);
    expect(first.status).toBe('COMPLETED');
    // amount = id % 50: the 20 ids that are multiples of 50 are filtered out.
    expect(first.stages).toEqual({ passed: [1000, 1000, 980, 980, 980, 980], failed: [0, 0, 20, 0, 0, 0] });
    const pipeline = await w.core.pipelines.get(w.member, p);
    expect(pipeline.cursor).toBe('2026-01-01T00:05:33.000334+00:00');
    expect((await db.query('SELECT count(*)::int AS n FROM dst')).rows[0].n).toBe(980);
    expect((await db.query('SELECT name, total, tags FROM dst WHERE id = 7')).rows[0]).toEqual({
      name: 'NAME-7',
      total: 14,
      tags: [7],
    });

    // Change 5 rows (one is then filtered out) and add 3.
    await db.query(
      `UPDATE src SET name = 'changed', updated_at = timestamptz '2026-02-01' + id * interval '1 microsecond' WHERE id IN (1, 2, 3, 100, 999)`,
    );
    await db.query(
      `INSERT INTO src VALUES (1001, 'new', 1, null, '2026-03-01'), (1002, 'new', 2, null, '2026-03-01'), (1003, 'new', 3, null, '2026-03-02')`,
    );
    const second = await w.run(p);
    expect(second.stages).toEqual({ passed: [8, 8, 7, 7, 7, 7], failed: [0, 0, 1, 0, 0, 0] });
    expect((await w.core.pipelines.get(w.member, p)).cursor).toBe('2026-03-02T00:00:00+00:00');
    expect((await db.query(`SELECT count(*)::int AS n FROM dst WHERE name = 'CHANGED'`)).rows[0].n).toBe(4);
    expect((await db.query('SELECT count(*)::int AS n FROM dst')).rows[0].n).toBe(983);

    const third = await w.run(p);
    expect(third.stages.passed).toEqual([0, 0, 0, 0, 0, 0]);
    // A full (non-incremental) run reads everything again.
    expect((await w.run(p, { incremental: false })).stages.passed[0]).toBe(1003);
  });

  it('advances the cursor batch by batch, keeps it when the run fails midway, and resumes from it', async () => {
    // A destination that breaks (not a data error) once ids pass 500.
    await db.query(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.id > 500 THEN RAISE EXCEPTION 'simulated outage'; END IF; RETURN NEW; END $$`);
    await db.query('CREATE TRIGGER refuse BEFORE INSERT ON dst FOR EACH ROW EXECUTE FUNCTION refuse()');
    const p = await w.pipeline(await workflow({ filter: 'true' }), {
      updatedAtColumn: 'updated_at',
      incremental: true,
    });
    const failed = await w.run(p);
    expect(failed.status).toBe('ERROR');
    expect(failed.error).toBe('destination "postgres" failed: simulated outage');
    expect(failed.stages).toEqual({ passed: [600, 600, 600, 600, 600, 500], failed: [0, 0, 0, 0, 0, 100] });
    const cursor = (await w.core.pipelines.get(w.member, p)).cursor;
    // Five batches were written; the cursor is the last update time all of whose rows were among them.
    const behind = await db.query('SELECT min(id)::int AS first, count(*)::int AS n FROM src WHERE updated_at > $1', [
      cursor,
    ]);
    expect(behind.rows[0]).toEqual({ first: 499, n: 502 });
    expect((await w.core.pipelines.get(w.member, p)).lastRun).toMatchObject({ status: 'ERROR' });

    await db.query('DROP TRIGGER refuse ON dst');
    const resumed = await w.run(p);
    expect(resumed.status).toBe('COMPLETED');
    expect(resumed.stages.passed).toEqual([502, 502, 502, 502, 502, 502]);
    expect((await db.query('SELECT count(*)::int AS n FROM dst')).rows[0].n).toBe(1000);
  });

  it('fails only the rows the table refuses, and writes the rest', async () => {
    const p = await w.pipeline(
      await workflow({ filter: 'id <= 10', transformation: '{"id": id, "total": id = 4 or id = 8 ? -1 : id}' }),
    );
    const run = await w.run(p);
    expect(run.status).toBe('COMPLETED');
    expect(run.stages).toEqual({ passed: [1000, 1000, 10, 10, 10, 8], failed: [0, 0, 990, 0, 0, 2] });
    expect((await db.query('SELECT array_agg(id ORDER BY id) AS ids FROM dst')).rows[0].ids).toEqual([
      1, 2, 3, 5, 6, 7, 9, 10,
    ]);
    const logs = await w.core.runs.logs(w.member, run.id, { minLevel: 'WARN' }, { page: 1, size: 10 });
    expect(logs.items.filter((l) => l.stage === 'Finalize').map((l) => l.message)).toEqual([
      expect.stringContaining('violates check constraint'),
      expect.stringContaining('violates check constraint'),
    ]);
  });

  it('reads a query; inserts (not upserts) when asked', async () => {
    const wf = await w.workflow({
      source: {
        connector: 'postgres',
        connection: conn,
        settings: { query: 'SELECT id, name FROM src WHERE id <= 250;' },
      },
      destination: { connector: 'postgres', connection: conn, settings: { table: 'public.dst' } },
    });
    const run = await w.run(await w.pipeline(wf));
    expect(run.stages.passed).toEqual([250, 250, 250, 250, 250, 250]);
    // Inserting the same keys again violates the primary key: every row fails, the run completes.
    const again = await w.run(await w.pipeline(wf));
    expect(again).toMatchObject({
      status: 'COMPLETED',
      stages: { passed: [250, 250, 250, 250, 250, 0], failed: [0, 0, 0, 0, 0, 250] },
    });
  });

  it('runs a query setting as one read-only statement', async () => {
    const sneaky = await w.workflow({
      source: {
        connector: 'postgres',
        connection: conn,
        settings: { query: 'SELECT 1 AS id) AS x; COMMIT; DROP TABLE src; SELECT * FROM (SELECT 1' },
      },
    });
    const run = await w.run(await w.pipeline(sneaky));
    expect(run.status).toBe('ERROR');
    expect((await db.query('SELECT count(*)::int AS n FROM src')).rows[0].n).toBe(1000);
    const writer = await w.workflow({
      source: { connector: 'postgres', connection: conn, settings: { query: 'DELETE FROM src RETURNING *' } },
    });
    expect((await w.run(await w.pipeline(writer))).status).toBe('ERROR');
    expect((await db.query('SELECT count(*)::int AS n FROM src')).rows[0].n).toBe(1000);
  });

  it('ends as ERROR with a clear message when the database is unreachable or the table is missing', async () => {
    const unreachable = await w.workflow({
      source: {
        connector: 'postgres',
        connection: await w.connection('postgres', { connectionString: 'postgres://postgres@127.0.0.1:1/none' }),
        settings: { table: 'src' },
      },
    });
    const a = await w.run(await w.pipeline(unreachable));
    expect(a.status).toBe('ERROR');
    expect(a.error).toMatch(/^source "postgres" failed: .*ECONNREFUSED/);

    const missing = await w.workflow({
      source: { connector: 'inline', settings: { records: [{ id: 1 }] } },
      destination: { connector: 'postgres', connection: conn, settings: { table: 'nope' } },
    });
    const b = await w.run(await w.pipeline(missing));
    expect(b).toMatchObject({
      status: 'ERROR',
      error: 'destination "postgres" failed: table "nope" does not exist (or has no columns).',
    });
  });

  it('streams in batches: the destination never gets more than a batch at once', async () => {
    await db.query(`INSERT INTO src SELECT g, 'n', 1, null, now() FROM generate_series(1001, 20000) g`);
    const sizes: number[] = [];
    w.executor.registry.registerDestination({
      name: 'sizes',
      description: 'test',
      settingsSchema: { type: 'object' },
      async open() {
        return { write: async (records) => (sizes.push(records.length), { failed: [] }), close: async () => {} };
      },
    });
    const wf = await w.workflow({
      source: { connector: 'postgres', connection: conn, settings: { table: 'src' } },
      destination: { connector: 'sizes', settings: {} },
    });
    const run = await w.run(await w.pipeline(wf));
    expect(run.stages.passed[5]).toBe(20000);
    expect(sizes).toHaveLength(200);
    expect(Math.max(...sizes)).toBe(100);
  });
  it('reuses destination connections across runs (one pool per connection)', async () => {
    // Earlier tests' connections (other ids) have pools of their own: closed first.
    await (await import('../src/connectors/pg/client.js')).endPools();
    const p = await w.pipeline(await workflow());
    const backends = async () =>
      (
        await db.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'pipewright-engine'`,
        )
      ).rows[0].n as number;
    expect((await w.run(p)).status).toBe('COMPLETED');
    const afterFirst = await backends();
    for (let i = 0; i < 3; i++) expect((await w.run(p)).status).toBe('COMPLETED');
    // The sources' own connections end with their runs; the destination's stays pooled (one, reused).
    expect(await backends()).toBe(afterFirst);
    expect(afterFirst).toBe(1);
    const { checkout, postgresTarget } = await import('../src/connectors/pg/client.js');
    const { EgressPolicy } = await import('../src/egress/egress-policy.js');
    const resolved = await w.core.connections.resolve(w.admin.orgId, conn);
    const a = await checkout(conn, postgresTarget(resolved), EgressPolicy.permissive());
    const { rows } = await a.client.query(`SELECT current_setting('TimeZone') AS tz, pg_backend_pid() AS pid`);
    expect(rows[0].tz).toBe('UTC');
    a.release(true);
    const b = await checkout(conn, postgresTarget(resolved), EgressPolicy.permissive());
    // A discarded connection is not handed out again.
    expect((await b.client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid).not.toBe(rows[0].pid);
    b.release();

    // A changed connection gets a new pool: the next run reaches the new target, not the old pool.
    await w.core.connections.update(w.admin, conn, { settings: { ...resolved.settings, port: 1 } });
    const moved = await w.run(p);
    expect(moved.status).toBe('ERROR');
    expect(moved.error).toMatch(/ECONNREFUSED/);
  });

  it('connects to the address the egress policy checked (a name only its resolver knows)', async () => {
    const { connect, postgresTarget } = await import('../src/connectors/pg/client.js');
    const { EgressPolicy } = await import('../src/egress/egress-policy.js');
    const u = new URL(db.url);
    const lookups: string[] = [];
    const policy = EgressPolicy.permissive({
      resolver: async (host) => (
        lookups.push(host),
        [{ address: u.hostname === 'localhost' ? '127.0.0.1' : u.hostname, family: 4 }]
      ),
    });
    const settings = {
      host: 'db.pinned.invalid',
      port: Number(u.port || 5432),
      database: u.pathname.slice(1),
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password) || undefined,
    };
    const client = await connect(
      postgresTarget({ id: 'x', orgId: 'o', name: 'n', kind: 'postgres', settings }),
      policy,
    );
    try {
      expect((await client.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    } finally {
      await client.end();
    }
    expect(lookups).toEqual(['db.pinned.invalid']);
  });
});
