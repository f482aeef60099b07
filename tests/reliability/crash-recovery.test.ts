import {
  call,
  createConnection,
  createOrg,
  createPrincipal,
  rootToken,
  unstract,
  type Principal,
} from './support/http.js';
import {
  createTestDatabase,
  startServerProcess,
  type ServerProcess,
  type TestDatabase,
} from './support/server-process.js';
import { slowWebhook } from './support/slow-webhook.js';

// Issue 12 (1): runs mid-flight (writing to a webhook that does not answer) and a pipeline
// scheduled every 2 s; kill -9 the server, start it again: every run ends within the lease,
// no fire produced two runs, and every pipeline's counters match its runs.
const LEASE_MS = 3000;
const MANUAL_RUNS = 4;

async function until(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
  detail: () => Promise<string> = async () => '',
): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} ${await detail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - start;
}

describe('crash: kill -9 with runs in flight', () => {
  let db: TestDatabase;
  let server: ServerProcess;
  let hook: Awaited<ReturnType<typeof slowWebhook>>;
  let owner: Principal;

  beforeAll(async () => {
    db = await createTestDatabase('crash');
    hook = await slowWebhook();
    server = await startServerProcess({
      databaseUrl: db.url,
      env: {
        PIPEWRIGHT_RUN_LEASE_MS: String(LEASE_MS),
        PIPEWRIGHT_MIN_SCHEDULE_INTERVAL_SECONDS: '1',
        PIPEWRIGHT_RUN_CONCURRENCY: '2',
        PIPEWRIGHT_ORG_RUN_CONCURRENCY: '2',
      },
    });
    const root = await rootToken(server.base);
    await createOrg(server.base, root, 'acme');
    owner = await createPrincipal(server.base, root, 'acme', 'admin', 'owner');
    // The held webhook, as the org admin's connection the workflows name.
    await createConnection(server.base, owner.key, 'acme', {
      name: 'held-webhook',
      kind: 'webhook',
      settings: { url: hook.url },
    });
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    server?.cleanup();
    await hook?.close();
    await db?.drop();
  });

  const workflow = async (name: string) => {
    const w = await call(server.base, 'POST', `${unstract('acme')}/workflow/`, {
      auth: owner.key,
      json: {
        workflow_name: name,
        source_settings: { connector: 'inline', settings: { records: Array.from({ length: 50 }, (_, i) => ({ i })) } },
        destination_settings: {
          connector: 'webhook',
          connection: 'held-webhook',
          settings: { maxAttempts: 1, timeoutMs: 300_000 },
        },
      },
    });
    expect(w.status).toBe(201);
    return w.body.id as string;
  };
  const pipeline = async (name: string, workflowId: string, cron?: string) => {
    const p = await call(server.base, 'POST', `${unstract('acme')}/pipeline/`, {
      auth: owner.key,
      json: { pipeline_name: name, workflow: workflowId, ...(cron ? { cron_string: cron } : {}) },
    });
    expect(p.status).toBe(201);
    return p.body.id as string;
  };

  it('ends every run, fires no schedule twice and keeps counters consistent', async () => {
    const wf = await workflow('slow-writer');
    const manual: string[] = [];
    for (let i = 0; i < MANUAL_RUNS; i++) manual.push(await pipeline(`manual-${i}`, wf));
    const scheduled = await pipeline('every-2s', wf, '*/2 * * * * *');
    for (const id of manual) {
      const r = await call(server.base, 'POST', `${unstract('acme')}/pipeline/execute/`, {
        auth: owner.key,
        json: { pipeline_id: id },
      });
      expect(r.status).toBe(200);
    }
    // Mid-flight: two runs (the concurrency) write to the held webhook, the others wait PENDING.
    await until(async () => hook.received() >= 2, 20_000, 'runs to reach the webhook');
    await new Promise((r) => setTimeout(r, 2500));
    const open = await db.client.query(`SELECT id, status FROM runs WHERE ended_at IS NULL`);
    console.log(`crash: open at kill -9: ${JSON.stringify(open.rows.map((r) => r.status))}`);
    expect(open.rows.filter((r) => r.status === 'EXECUTING').length).toBe(2);
    expect(open.rows.filter((r) => r.status === 'PENDING').length).toBeGreaterThanOrEqual(MANUAL_RUNS - 2);
    const inFlight = open.rows.map((r) => r.id as string);

    await server.kill9();
    const killedAt = Date.now();
    hook.release();
    await server.restart();

    // Every run open at the crash ends, as ERROR "interrupted", within the lease (plus one recovery sweep).
    const took = await until(
      async () =>
        (
          await db.client.query(`SELECT count(*)::int AS n FROM runs WHERE id = ANY($1) AND ended_at IS NULL`, [
            inFlight,
          ])
        ).rows[0].n === 0,
      LEASE_MS + 20_000,
      'interrupted runs to end',
      async () =>
        JSON.stringify(
          (
            await db.client.query(
              `SELECT status, lease_expires_at, created_at FROM runs WHERE id = ANY($1) AND ended_at IS NULL`,
              [inFlight],
            )
          ).rows,
        ),
    );
    const sinceKill = Date.now() - killedAt;
    const ended = await db.client.query(`SELECT status, error FROM runs WHERE id = ANY($1)`, [inFlight]);
    for (const r of ended.rows) {
      expect(r.status).toBe('ERROR');
      expect(r.error).toMatch(/interrupted/);
    }
    console.log(
      `crash: ${inFlight.length} runs in flight at kill -9; all ended ${sinceKill} ms after the kill (${took} ms after restart), lease ${LEASE_MS} ms`,
    );

    // Let the schedule fire a few more times on the restarted process, then stop it.
    await new Promise((r) => setTimeout(r, 5000));
    expect(
      (
        await call(server.base, 'PATCH', `${unstract('acme')}/pipeline/${scheduled}/`, {
          auth: owner.key,
          json: { cron_string: '' },
        })
      ).status,
    ).toBe(200);
    await until(
      async () => (await db.client.query(`SELECT count(*)::int AS n FROM runs WHERE ended_at IS NULL`)).rows[0].n === 0,
      LEASE_MS + 20_000,
      'all runs to end',
    );

    // No fire produced two runs: each scheduled run belongs to exactly one fire, and no fire has two runs.
    const fires = await db.client.query(
      `SELECT (SELECT count(*)::int FROM runs WHERE pipeline_id = $1 AND trigger = 'schedule') AS runs,
              (SELECT count(DISTINCT run_id)::int FROM schedule_fires WHERE pipeline_id = $1 AND run_id IS NOT NULL) AS fired_runs,
              (SELECT count(*)::int FROM (SELECT fire_at FROM schedule_fires WHERE pipeline_id = $1 GROUP BY fire_at HAVING count(*) > 1) d) AS duplicate_fires,
              (SELECT count(*)::int FROM (SELECT run_id FROM schedule_fires WHERE run_id IS NOT NULL GROUP BY run_id HAVING count(*) > 1) d) AS shared_runs`,
      [scheduled],
    );
    const f = fires.rows[0];
    expect(f.runs).toBeGreaterThanOrEqual(1);
    expect(f.runs).toBe(f.fired_runs);
    expect(f.duplicate_fires).toBe(0);
    expect(f.shared_runs).toBe(0);

    // Counters: each pipeline's run_count and last run match its runs.
    const counters = await db.client.query(`
      SELECT p.id, p.run_count, p.last_run_id, p.last_run_status,
             (SELECT count(*)::int FROM runs r WHERE r.pipeline_id = p.id) AS actual,
             (SELECT r.id FROM runs r WHERE r.pipeline_id = p.id ORDER BY r.created_at DESC, r.seq DESC LIMIT 1) AS latest,
             (SELECT r.status FROM runs r WHERE r.pipeline_id = p.id ORDER BY r.created_at DESC, r.seq DESC LIMIT 1) AS latest_status
      FROM pipelines p`);
    for (const c of counters.rows) {
      expect({ id: c.id, count: c.run_count, last: c.last_run_id, status: c.last_run_status }).toEqual({
        id: c.id,
        count: c.actual,
        last: c.latest,
        status: c.latest_status,
      });
    }
    expect(server.child.exitCode).toBeNull();
  }, 180_000);
});
