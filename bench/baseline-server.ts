// The bench's baseline: bare Express 5 + pg answering the same reads on the same tables the
// naive way (SELECT by id; count(*) + ORDER BY … OFFSET for lists; whole result sets in
// memory). No auth, no validation, no domain: what "just a query behind a route" costs.
import express from 'express';
import pg from 'pg';
import { SINK_TABLE } from './lib/runs.js';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const ORG = process.env.BENCH_ORG_ID!;
const app = express();
const int = (v: unknown, d: number) => (v === undefined ? d : Number(v));

async function page(
  res: express.Response,
  table: string,
  where: string,
  params: unknown[],
  pageNo: number,
  size: number,
) {
  const total = await pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params);
  const rows = await pool.query(
    `SELECT * FROM ${table} WHERE ${where} ORDER BY created_at DESC, id LIMIT ${size} OFFSET ${(pageNo - 1) * size}`,
    params,
  );
  res.json({ total: total.rows[0].n, page: pageNo, items: rows.rows });
}

app.get('/healthz', (_req, res) => void res.json({ ok: true }));

app.get('/pipelines/:id', async (req, res) => {
  const { rows } = await pool.query('SELECT * FROM pipelines WHERE id = $1', [req.params.id]);
  if (!rows.length) return void res.status(404).end();
  const tags = await pool.query('SELECT tag_id FROM pipeline_tags WHERE pipeline_id = $1 ORDER BY position', [
    req.params.id,
  ]);
  res.json({ ...rows[0], tag_ids: tags.rows.map((t) => t.tag_id) });
});

app.get('/pipelines', (req, res) =>
  page(res, 'pipelines', 'org_id = $1', [ORG], int(req.query.page, 1), int(req.query.size, 20)),
);

app.get('/pipelines-filtered', (req, res) =>
  page(
    res,
    'pipelines',
    `org_id = $1 AND (name ILIKE '%' || $2 || '%' OR id IN (SELECT pipeline_id FROM pipeline_tags pt JOIN tags t ON t.id = pt.tag_id WHERE t.name = $3))`,
    [ORG, req.query.name, req.query.tag],
    int(req.query.page, 1),
    int(req.query.size, 20),
  ),
);

app.get('/all-pipelines', async (_req, res) => {
  const { rows } = await pool.query('SELECT * FROM pipelines WHERE org_id = $1 ORDER BY created_at DESC', [ORG]);
  res.json(rows);
});

app.get('/pipelines/:id/runs', (req, res) =>
  page(res, 'runs', 'pipeline_id = $1', [req.params.id], int(req.query.page, 1), int(req.query.size, 50)),
);

app.get('/runs', async (_req, res) => {
  // Every row in memory; written row by row (one JSON string of 1M runs exceeds V8's limit).
  const { rows } = await pool.query('SELECT * FROM runs WHERE org_id = $1 ORDER BY seq', [ORG]);
  res.type('json').write('{"runs":[');
  rows.forEach((row, i) => res.write((i ? ',' : '') + JSON.stringify(row)));
  res.end(']}');
});

app.post('/pipelines/:seq/runs', async (req, res) => {
  // A finished run (copying the first run's JSON columns), so nothing is left open.
  const { rows } = await pool.query(
    `INSERT INTO runs (id, seq, org_id, pipeline_id, workflow_id, run_index, trigger, status, incremental, created_at, started_at, ended_at, updated_at, stages, files)
     SELECT gen_random_uuid(), nextval('run_seq'), p.org_id, p.id, p.workflow_id, r.run_index, 'api', 'COMPLETED', false, now(), now(), now(), now(), r.stages, r.files
     FROM pipelines p, (SELECT * FROM runs ORDER BY seq LIMIT 1) r WHERE p.seq = $1 RETURNING seq`,
    [Number(req.params.seq)],
  );
  res.json({ id: rows[0]?.seq });
});

// Scenario 5b: a run of an inline workflow, naively. The run row is inserted and its id answered;
// then, with no queue, lease, counters or log, the workflow's records are copied from its JSON
// into the sink by one INSERT … SELECT and the row is marked done.
app.post('/pipelines/:seq/inline-runs', async (req, res) => {
  const { rows } = await pool.query(
    `INSERT INTO runs (id, seq, org_id, pipeline_id, workflow_id, run_index, trigger, status, incremental, created_at, started_at, updated_at, stages, files)
     SELECT gen_random_uuid(), nextval('run_seq'), p.org_id, p.id, p.workflow_id, r.run_index, 'api', 'EXECUTING', false, now(), now(), now(), r.stages, r.files
     FROM pipelines p, (SELECT * FROM runs ORDER BY seq LIMIT 1) r WHERE p.seq = $1 RETURNING id, seq, workflow_id`,
    [Number(req.params.seq)],
  );
  if (!rows.length) return void res.status(404).end();
  res.json({ id: rows[0].seq });
  void executeInline(rows[0].id, rows[0].workflow_id);
});

async function executeInline(runId: string, workflowId: string): Promise<void> {
  try {
    await pool.query(
      `INSERT INTO ${SINK_TABLE} (n, name) SELECT (r->>'n')::int, r->>'name'
       FROM workflows w, jsonb_array_elements(w.source->'settings'->'records') r WHERE w.id = $1`,
      [workflowId],
    );
    await pool.query(`UPDATE runs SET status = 'COMPLETED', ended_at = now(), updated_at = now() WHERE id = $1`, [
      runId,
    ]);
  } catch (e) {
    await pool.query(
      `UPDATE runs SET status = 'ERROR', error = $2, ended_at = now(), updated_at = now() WHERE id = $1`,
      [runId, String(e)],
    );
  }
}

app.get('/runs/:seq', async (req, res) => {
  const { rows } = await pool.query('SELECT seq, status, error FROM runs WHERE seq = $1', [Number(req.params.seq)]);
  if (!rows.length) return void res.status(404).end();
  res.json(rows[0]);
});

app.listen(Number(process.env.PORT ?? 8090), '127.0.0.1');
