import pg from 'pg';

export const BENCH_DB = 'pipewright_bench';

/** The bench database's URL: the server URL with its database replaced. */
export function benchUrl(serverUrl: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${BENCH_DB}`;
  return u.toString();
}

/** Drops and recreates `pipewright_bench` (never any other database). */
export async function recreateDatabase(serverUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${BENCH_DB}`);
  } finally {
    await admin.end();
  }
}

export interface LoadSizes {
  pipelines: number;
  runs: number;
  /** Runs given to the "hot" pipeline (the template), so a pipeline's execution list is deep. */
  hotRuns: number;
  users: number;
  keys: number;
  tags: number;
}

/**
 * Bulk-loads with generate_series, cloning rows the real server wrote (the template pipeline,
 * its workflow, its one finished run, the admin, one personal key), so every JSON column and
 * enum value is one the row mapping (packages/storage-kysely/src/mapping.ts) restores.
 */
export async function bulkLoad(
  url: string,
  templateName: string,
  sizes: LoadSizes,
  log: (m: string) => void,
): Promise<void> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const step = async (label: string, text: string, values: unknown[] = []) => {
    const t0 = performance.now();
    const r = await db.query(text, values);
    log(`  ${label}: ${r.rowCount ?? 0} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  };
  try {
    await db.query(`SET synchronous_commit = off`);
    await db.query(`SET maintenance_work_mem = '256MB'`);
    await db.query(`CREATE TEMP TABLE tp AS SELECT * FROM pipelines WHERE name = $1`, [templateName]);
    await db.query(`CREATE TEMP TABLE tr AS SELECT * FROM runs WHERE pipeline_id = (SELECT id FROM tp) LIMIT 1`);
    const { rows } = await db.query(`SELECT (SELECT count(*) FROM tp)::int AS p, (SELECT count(*) FROM tr)::int AS r`);
    if (rows[0].p !== 1 || rows[0].r !== 1) throw new Error('template pipeline or its run is missing');

    await step(
      'tags',
      `INSERT INTO tags (id, org_id, name, color, exclusive, created_by, created_at, updated_at)
       SELECT gen_random_uuid(), tp.org_id, 'tag-' || g, (ARRAY['grey','purple','red','green','yellow','orange','lime','teal','turquoise','magenta','blue'])[1 + g % 11],
              false, tp.created_by, now() - g * interval '1 minute', now() - g * interval '1 minute'
       FROM tp, generate_series(1, $1::int) g`,
      [sizes.tags],
    );
    await step(
      'pipelines',
      `INSERT INTO pipelines (id, seq, org_id, name, description, type, workflow_id, owner_id, shared_user_ids, shared_to_org, enabled,
                              schedule, schedule_start, incremental, updated_at_column, cursor, run_count, last_run_id, last_run_at,
                              last_run_status, created_by, modified_by, created_at, updated_at)
       SELECT gen_random_uuid(), nextval('pipeline_seq'), tp.org_id, 'pipeline-' || lpad(g::text, 6, '0'),
              'Bulk-loaded pipeline ' || g, tp.type, tp.workflow_id, tp.owner_id, tp.shared_user_ids, tp.shared_to_org, true,
              NULL, g % 1440, false, NULL, NULL, 0, NULL, NULL, NULL, tp.created_by, tp.modified_by,
              tp.created_at - g * interval '1 second', tp.created_at - g * interval '1 second'
       FROM tp, generate_series(1, $1::int) g`,
      [sizes.pipelines],
    );
    // Every pipeline gets one or two of the tags, in position order.
    await step(
      'pipeline_tags',
      `WITH p AS (SELECT id, row_number() OVER (ORDER BY seq) AS n FROM pipelines WHERE name LIKE 'pipeline-%'),
            t AS (SELECT id, row_number() OVER (ORDER BY name) - 1 AS k FROM tags)
       INSERT INTO pipeline_tags (pipeline_id, tag_id, position)
       SELECT p.id, t.id, 0 FROM p JOIN t ON t.k = p.n % $1
       UNION ALL
       SELECT p.id, t.id, 1 FROM p JOIN t ON t.k = (p.n / 3 + 1) % $1 WHERE p.n % 3 = 0 AND (p.n / 3 + 1) % $1 <> p.n % $1`,
      [sizes.tags],
    );
    await db.query(
      `CREATE TEMP TABLE pl AS SELECT id, (row_number() OVER (ORDER BY seq))::int - 1 AS n FROM pipelines WHERE name LIKE 'pipeline-%'`,
    );
    await db.query(`CREATE UNIQUE INDEX ON pl (n)`);
    // Spread runs over all pipelines; `hotRuns` more go to the template. All finished (COMPLETED, as the template's run).
    await step(
      'runs',
      `INSERT INTO runs (id, seq, org_id, pipeline_id, workflow_id, run_index, trigger, triggered_by, status, incremental, created_at,
                         started_at, ended_at, updated_at, stages, files, error, cancelled_by, lease_expires_at, input)
       SELECT gen_random_uuid(), nextval('run_seq'), tr.org_id, COALESCE(pl.id, tr.pipeline_id), tr.workflow_id, tr.run_index, tr.trigger,
              tr.triggered_by, tr.status, tr.incremental, at, at, at + interval '2 seconds', at + interval '2 seconds',
              tr.stages, tr.files, tr.error, NULL, NULL, tr.input
       FROM tr, generate_series(1, $1::int) g
       CROSS JOIN LATERAL (SELECT tr.created_at - g * interval '1 second' AS at) t
       LEFT JOIN pl ON g > $2::int AND pl.n = g % $3::int`,
      [sizes.runs, sizes.hotRuns, sizes.pipelines],
    );
    await step(
      'pipelines.last_run',
      `UPDATE pipelines p SET run_count = s.n, last_run_id = s.last_id, last_run_at = s.last_at, last_run_status = s.last_status
       FROM (SELECT DISTINCT ON (pipeline_id) pipeline_id, count(*) OVER (PARTITION BY pipeline_id) AS n,
                    id AS last_id, created_at AS last_at, status AS last_status
             FROM runs ORDER BY pipeline_id, created_at DESC, id) s
       WHERE p.id = s.pipeline_id`,
    );
    await step(
      'users + memberships',
      `WITH u AS (
         INSERT INTO users (id, email, name, password_hash, is_active, created_at, updated_at)
         SELECT gen_random_uuid(), 'user-' || g || '@bench.local', 'User ' || g, a.password_hash, true, now(), now()
         FROM (SELECT password_hash FROM users ORDER BY created_at LIMIT 1) a, generate_series(1, $1::int) g
         RETURNING id)
       INSERT INTO memberships (org_id, user_id, role, created_at) SELECT tp.org_id, u.id, 'member', now() FROM u, tp`,
      [sizes.users],
    );
    await step(
      'api_keys',
      `INSERT INTO api_keys (id, org_id, kind, target_id, description, is_active, secret_hash, secret_sealed, prefix, created_by,
                             last_used_at, expires_at, created_at, updated_at)
       SELECT gen_random_uuid(), k.org_id, k.kind, k.target_id, 'bulk key ' || g, true, md5(random()::text || g), NULL, k.prefix,
              k.created_by, NULL, NULL, now(), now()
       FROM (SELECT * FROM api_keys ORDER BY created_at LIMIT 1) k, generate_series(1, $1::int) g`,
      [sizes.keys],
    );
    const t0 = performance.now();
    await db.query('VACUUM ANALYZE');
    log(`  vacuum analyze: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    await db.end();
  }
}

/** (Re)creates scenario 5b's sink, empty: the columns of `inlineRecords` (lib/runs.ts). */
export async function resetSink(url: string, table: string): Promise<void> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    await db.query(`DROP TABLE IF EXISTS ${table}`);
    await db.query(`CREATE TABLE ${table} (n integer NOT NULL, name text NOT NULL)`);
  } finally {
    await db.end();
  }
}

/** Rows in the sink (every completed run must have written all its records). */
export async function sinkRows(url: string, table: string): Promise<number> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    return (await db.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;
  } finally {
    await db.end();
  }
}
