import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RESTARTED } from '@pipewright/executor-queue';
import { openStorage, type ServerConfig } from '@pipewright/server';
import pg from 'pg';
import { createPipeline } from '../meergo/meergo-support.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { build, startApi, startWorker, type Proc } from './processes.js';
import { WebhookSink } from './webhook-sink.js';

// Separate processes on one Postgres: 2 API servers (PIPEWRIGHT_ROLES=api) and 3 workers
// (`pipewright worker`), 300 runs through the Meergo and Unstract routes, one worker killed
// with SIGKILL midway. Needs Postgres (the queue lives there), so only with TEST_DATABASE_URL.
const describeWithPostgres = process.env.TEST_DATABASE_URL ? describe : describe.skip;

const SECRET = 'test-secret-for-pipewright-0123456789'; // the one startTestServer uses: API keys made here verify there
const LEASE_MS = 6_000; // heartbeat every 2 s: a cancel seen sooner came through NOTIFY
// 10 records, one unreadable; the filter keeps even n: exact counters per completed run.
const RECORDS = [...Array.from({ length: 10 }, (_, n) => ({ n })), 'not an object'];
const isInterrupted = (error: string | null) => !!error?.startsWith('interrupted');
const PASSED = [10, 10, 5, 5, 5, 5];
const FAILED = [1, 0, 5, 0, 0, 0];

describeWithPostgres('queue executor scale-out (2 API servers, 3 workers, SIGKILL)', () => {
  const dbName = `pipewright_test_scale_${process.pid}_${Date.now()}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'pipewright-scale-'));
  const sink = new WebhookSink(300);
  let admin: pg.Client;
  let db: pg.Client;
  let databaseUrl = '';
  let setup: TestServer;
  let apis: (Proc & { base: string })[] = [];
  let workers: Proc[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    build();
    admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.pathname = `/${dbName}`;
    databaseUrl = url.toString();
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    await sink.start();
    // The organization, keys, pipelines and workflows, made through an in-test API process.
    const config = { databaseUrl, roles: ['api'], executor: 'queue', dataDir } as Partial<ServerConfig>;
    setup = await startTestServer({ storage: await openStorage({ databaseUrl, dataDir } as ServerConfig), config });
    // The sink listens on 127.0.0.1: the workers (on Postgres, so loopback is refused by default) allow it.
    env = {
      DATABASE_URL: databaseUrl,
      PIPEWRIGHT_SECRET: SECRET,
      PIPEWRIGHT_DATA_DIR: dataDir,
      PIPEWRIGHT_RUN_LEASE_MS: String(LEASE_MS),
      // One organization here, and every worker's slots for it (fair share has nothing to share): the kill must hit runs.
      PIPEWRIGHT_ORG_RUN_CONCURRENCY: '9',
      PIPEWRIGHT_SCHEDULER: 'off',
      PIPEWRIGHT_EGRESS_ALLOW: 'loopback,private',
    };
    // The webhook connections the workflows name, made by the org admin (one per sink path).
    await setup.connection({ name: 'sink', kind: 'webhook', settings: { url: sink.url + '/' } });
    await setup.connection({ name: 'sink-slow', kind: 'webhook', settings: { url: sink.url + '/slow' } });
    apis = await Promise.all([startApi(env), startApi(env)]);
    const registered = async () => Number((await db.query('SELECT count(*) AS n FROM pipewright_workers')).rows[0].n);
    for (let i = 0; i < 3; i++) workers.push(await startWorker(env, 3, registered));
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...apis, ...workers].map((p) => p.stop()));
    await setup?.close();
    await sink.stop();
    await db?.end();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  const definition = (connection: 'sink' | 'sink-slow' = 'sink') => ({
    source: { connector: 'inline', settings: { records: RECORDS } },
    stages: { filter: 'n % 2 = 0' },
    destination: { connector: 'webhook', connection, settings: { maxAttempts: 1 } },
  });
  const post = (base: string, path: string, json: unknown) =>
    fetch(base + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${setup.admin.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(json),
    });

  it('runs 300 runs to a terminal status, each on one worker at a time, with exact counters', async () => {
    const actor = setup.admin.actor;
    // 150 Meergo pipelines (one open run each), half of them restart when interrupted.
    const pipelines = [];
    for (let i = 0; i < 150; i++) {
      const p = await createPipeline(setup, setup.admin);
      await setup.core.workflows.update(actor, p.workflow, { definition: definition(), retryOnInterrupt: i % 2 === 0 });
      pipelines.push(p);
    }
    const retrying = await setup.core.workflows.create(actor, {
      name: 'unstract-retry',
      definition: definition(),
      retryOnInterrupt: true,
    });
    const ending = await setup.core.workflows.create(actor, {
      name: 'unstract-end',
      definition: definition(),
      retryOnInterrupt: false,
    });

    const triggers: (() => Promise<Response>)[] = [
      ...pipelines.map((p, i) => () => post(apis[i % 2]!.base, `/v1/pipelines/${p.seq}/runs`, {})),
      ...Array.from(
        { length: 150 },
        (_, i) => () =>
          post(apis[i % 2]!.base, `/api/v1/unstract/${setup.org.slug}/workflow/execute/`, {
            workflow_id: i % 2 ? ending.id : retrying.id,
          }),
      ),
    ];
    let killed = false;
    const started = Date.now();
    for (let i = 0; i < triggers.length; i += 20) {
      const replies = await Promise.all(triggers.slice(i, i + 20).map((t) => t()));
      for (const r of replies) expect(r.status).toBe(200);
      if (!killed && sink.received >= 40) {
        workers[0]!.child.kill('SIGKILL');
        killed = true;
      }
    }
    while (!killed && sink.received < 40) await new Promise((r) => setTimeout(r, 50));
    if (!killed) workers[0]!.child.kill('SIGKILL');

    const open = async () =>
      Number(
        (await db.query("SELECT count(*) AS n FROM runs WHERE status NOT IN ('COMPLETED', 'ERROR', 'STOPPED')")).rows[0]
          .n,
      );
    const deadline = Date.now() + 90_000;
    while ((await open()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    const seconds = (Date.now() - started) / 1000;

    const { rows: runs } = await db.query<{
      id: string;
      status: string;
      error: string | null;
      stages: { passed: number[]; failed: number[] };
      retry: boolean;
    }>(
      'SELECT r.id, r.status, r.error, r.stages, w.retry_on_interrupt AS retry FROM runs r JOIN workflows w ON w.id = r.workflow_id',
    );
    const { rows: logs } = await db.query<{ run_id: string; message: string }>(
      'SELECT run_id, message FROM run_logs ORDER BY time, id',
    );
    const restarts = new Map<string, number>();
    const starts = new Map<string, number>();
    for (const l of logs) {
      if (l.message === RESTARTED) restarts.set(l.run_id, (restarts.get(l.run_id) ?? 0) + 1);
      if (l.message.startsWith('Run started')) starts.set(l.run_id, (starts.get(l.run_id) ?? 0) + 1);
    }
    const byStatus = runs.reduce<Record<string, number>>(
      (acc, r) => ({
        ...acc,
        [`${r.status}${r.error ? ` (${r.error})` : ''}`]:
          (acc[`${r.status}${r.error ? ` (${r.error})` : ''}`] ?? 0) + 1,
      }),
      {},
    );
    console.log(
      `300 runs on 3 workers (one killed) in ${seconds.toFixed(1)} s: ${JSON.stringify(byStatus)}; restarted ${restarts.size}`,
    );

    expect(runs).toHaveLength(300);
    expect(runs.filter((r) => !['COMPLETED', 'ERROR', 'STOPPED'].includes(r.status))).toEqual([]);
    // Never on two workers at once: no batch of a run arrived while another was in flight,
    // and every extra start of a run follows a restart (after its lease expired).
    expect(sink.overlaps).toEqual([]);
    // (A killed worker may take its run's unflushed "Run started" line with it: at most one per restart.)
    for (const r of runs) {
      const extra = (starts.get(r.id) ?? 0) - 1;
      expect({ id: r.id, ok: extra <= (restarts.get(r.id) ?? 0) && extra >= -1 }).toEqual({ id: r.id, ok: true });
    }
    // The kill hit runs: restarted (retryOnInterrupt) or ended as interrupted (not).
    const interrupted = runs.filter((r) => r.status === 'ERROR' && isInterrupted(r.error));
    expect(restarts.size + interrupted.length).toBeGreaterThan(0);
    expect(interrupted.filter((r) => r.retry)).toEqual([]);
    expect(runs.filter((r) => r.status !== 'COMPLETED' && !(r.status === 'ERROR' && isInterrupted(r.error)))).toEqual(
      [],
    );
    for (const r of runs.filter((x) => x.status === 'COMPLETED')) {
      expect({ id: r.id, ...r.stages }).toEqual({ id: r.id, passed: PASSED, failed: FAILED });
      // Delivered once, or again from the start after a restart (at-least-once for restarted runs).
      const delivered = sink.records.get(r.id) ?? 0;
      if (restarts.has(r.id)) expect(delivered).toBeGreaterThanOrEqual(5);
      else expect({ id: r.id, delivered }).toEqual({ id: r.id, delivered: 5 });
    }
  }, 150_000);

  it('delivers a cancel to the worker running the run within a second', async () => {
    const wf = await setup.core.workflows.create(setup.admin.actor, {
      name: 'slow',
      definition: definition('sink-slow'),
    });
    const r = await post(apis[0]!.base, `/api/v1/unstract/${setup.org.slug}/workflow/execute/`, { workflow_id: wf.id });
    const { execution_id: id } = (await r.json()) as { execution_id: string };
    const status = async () =>
      (await db.query<{ status: string }>('SELECT status FROM runs WHERE id = $1', [id])).rows[0]!.status;
    const deadline = Date.now() + 10_000;
    while ((await status()) !== 'EXECUTING' && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    await new Promise((res) => setTimeout(res, 300)); // the batch is at the (slow) webhook
    const asked = Date.now();
    await setup.core.runs.cancel(setup.admin.actor, id);
    while ((await status()) !== 'STOPPED' && Date.now() - asked < 5_000)
      await new Promise((res) => setTimeout(res, 20));
    expect(await status()).toBe('STOPPED');
    // The heartbeat (every LEASE_MS/3 = 2 s) would be slower: this came through NOTIFY.
    expect(Date.now() - asked).toBeLessThan(1_000);
  }, 30_000);

  it('reports queue depth and workers in /metrics, and lists workers with their heartbeat', async () => {
    const metrics = await (await fetch(`${apis[1]!.base}/metrics`)).text();
    expect(metrics).toMatch(/pipewright_run_queue_jobs\{state="queued"\} \d+/);
    expect(metrics).toMatch(/pipewright_workers\{state="alive"\} [23]/);
    const res = await fetch(`${apis[1]!.base}/admin/api/v1/workers`, {
      headers: { authorization: `Bearer ${setup.admin.apiKey}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      executor: string;
      items: { pid: number; last_heartbeat_at: string; alive: boolean }[];
    };
    expect(body.executor).toBe('queue');
    expect(body.items.map((w) => w.pid).sort()).toEqual(workers.map((w) => w.child.pid).sort());
    for (const w of body.items) expect(Date.parse(w.last_heartbeat_at)).toBeGreaterThan(Date.now() - 60_000);
  });
});
