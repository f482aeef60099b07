// The bench's baseline: bare Express 5 + pg answering the same reads on the same tables the
// naive way (SELECT by id; count(*) + ORDER BY … OFFSET for lists; whole result sets in
// memory). No auth, no validation, no domain: what "just a query behind a route" costs.
import express from 'express';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const ORG = process.env.BENCH_ORG_ID!;
const app = express();
const int = (v: unknown, d: number) => (v === undefined ? d : Number(v));

async function page(res: express.Response, table: string, where: string, params: unknown[], pageNo: number, size: number) {
  const total = await pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params);
  const rows = await pool.query(`SELECT * FROM ${table} WHERE ${where} ORDER BY created_at DESC, id LIMIT ${size} OFFSET ${(pageNo - 1) * size}`, params);
  res.json({ total: total.rows[0].n, page: pageNo, items: rows.rows });
}

app.get('/healthz', (_req, res) => void res.json({ ok: true }));

app.get('/pipelines/:id', async (req, res) => {
  const { rows } = await pool.query('SELECT * FROM pipelines WHERE id = $1', [req.params.id]);
  if (!rows.length) return void res.status(404).end();
  const tags = await pool.query('SELECT tag_id FROM pipeline_tags WHERE pipeline_id = $1 ORDER BY position', [req.params.id]);
  res.json({ ...rows[0], tag_ids: tags.rows.map((t) => t.tag_id) });
});

app.get('/pipelines', (req, res) => page(res, 'pipelines', 'org_id = $1', [ORG], int(req.query.page, 1), int(req.query.size, 20)));

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

app.get('/pipelines/:id/runs', (req, res) => page(res, 'runs', 'pipeline_id = $1', [req.params.id], int(req.query.page, 1), int(req.query.size, 50)));

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

app.listen(Number(process.env.PORT ?? 8090), '127.0.0.1');
