import { readFileSync } from 'node:fs';
import { call, createOrg, createPrincipal, rootToken, unstract, type Principal, type Reply } from './support/http.js';
import { createTestDatabase, startServerProcess, type ServerProcess, type TestDatabase } from './support/server-process.js';

// Issue 12 (6): mixed traffic in every dialect with the scheduler firing, for
// RELIABILITY_SOAK_SECONDS (default 300): no errors, RSS growth under 50 MB after warm-up,
// and no more database connections at the end than after warm-up.
const SECONDS = Number(process.env.RELIABILITY_SOAK_SECONDS || 300);
const WARM_UP_MS = Math.max(10_000, SECONDS * 200);
const WORKERS = 4;
const MAX_RSS_GROWTH_MB = Number(process.env.RELIABILITY_SOAK_MAX_RSS_GROWTH_MB || 50);

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

describe('soak', () => {
  let db: TestDatabase;
  let server: ServerProcess;
  let owner: Principal;
  let member: Principal;
  let workflowId: string;
  let manualPipeline: string;

  beforeAll(async () => {
    db = await createTestDatabase('soak');
    server = await startServerProcess({ databaseUrl: db.url, env: {
        LOG_LEVEL: 'warn',
        PIPEWRIGHT_MIN_SCHEDULE_INTERVAL_SECONDS: '1',
        PIPEWRIGHT_LOGIN_RATE_LIMIT: '100000',
        // A bounded old space makes V8 collect instead of growing lazily, so RSS growth means retained memory.
        NODE_OPTIONS: `--max-old-space-size=${process.env.RELIABILITY_SOAK_HEAP_MB || 160}`,
      } });
    const root = await rootToken(server.base);
    await createOrg(server.base, root, 'acme');
    owner = await createPrincipal(server.base, root, 'acme', 'admin', 'owner');
    member = await createPrincipal(server.base, root, 'acme', 'member', 'member');
    const w = await call(server.base, 'POST', `${unstract('acme')}/workflow/`, {
      auth: owner.key,
      json: { workflow_name: 'soak', source_settings: { connector: 'inline', settings: { records: Array.from({ length: 200 }, (_, i) => ({ i })) } }, destination_settings: { connector: 'none', settings: {} } },
    });
    workflowId = w.body.id;
    const scheduled = await call(server.base, 'POST', `${unstract('acme')}/pipeline/`, { auth: owner.key, json: { pipeline_name: 'every-3s', workflow: workflowId, cron_string: '*/3 * * * * *' } });
    expect(scheduled.status).toBe(201);
    manualPipeline = (await call(server.base, 'POST', `${unstract('acme')}/pipeline/`, { auth: owner.key, json: { pipeline_name: 'manual', workflow: workflowId } })).body.id;
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    server?.cleanup();
    await db?.drop();
  });

  it(`serves ${SECONDS} s of mixed traffic without errors, memory growth or connection leaks`, async () => {
    let i = 0;
    // Each step: a request and the statuses that count as success for it.
    const steps: [() => Promise<Reply>, number[]][] = [
      [() => call(server.base, 'GET', '/admin/api/v1/me', { auth: member.key }), [200]],
      [() => call(server.base, 'GET', '/api/v1/pipelines?size=50', { auth: owner.key }), [200]],
      [() => call(server.base, 'GET', '/api/v1/runs?size=20&sort_by=desc:created', { auth: owner.key }), [200]],
      [() => call(server.base, 'GET', `${unstract('acme')}/pipeline/`, { auth: owner.key }), [200]],
      [() => call(server.base, 'GET', `${unstract('acme')}/workflow/`, { auth: member.key }), [200]],
      [() => call(server.base, 'GET', '/v1/pipelines/runs', { auth: owner.key }), [200]],
      [() => call(server.base, 'GET', '/api/v1/flow/pipeline', { auth: owner.key }), [200]],
      [() => call(server.base, 'GET', '/api/v1/jobs/status', { auth: owner.key }), [200]],
      // A run at a time per pipeline: a trigger while one is open is refused, as documented.
      [() => call(server.base, 'POST', `${unstract('acme')}/pipeline/execute/`, { auth: owner.key, json: { pipeline_id: manualPipeline } }), [200, 409, 422]],
      [
        async () => {
          const name = `tmp-${++i}-${process.pid}`;
          const created = await call(server.base, 'POST', `${unstract('acme')}/workflow/`, { auth: member.key, json: { workflow_name: name } });
          if (created.status !== 201) return created;
          return call(server.base, 'DELETE', `${unstract('acme')}/workflow/${created.body.id}/`, { auth: member.key });
        },
        [204],
      ],
      [() => call(server.base, 'GET', '/metrics'), [200]],
    ];

    const errors: string[] = [];
    let requests = 0;
    let stopAt = 0;
    const started = Date.now();
    const worker = async (w: number) => {
      for (let k = w; stopAt === 0 || Date.now() < stopAt; k++) {
        const [step, ok] = steps[k % steps.length]!;
        try {
          const r = await step();
          requests++;
          if (!ok.includes(r.status)) errors.push(`${r.status} ${r.text.slice(0, 160)}`);
        } catch (e) {
          errors.push(`no answer: ${(e as Error).message}`);
        }
      }
    };
    stopAt = started + SECONDS * 1000;
    const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));

    await new Promise((r) => setTimeout(r, WARM_UP_MS));
    const pid = server.child.pid!;
    const rssAfterWarmUp = rssMb(pid);
    const connections = async () => (await db.client.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [db.name])).rows[0].n as number;
    const connectionsAfterWarmUp = await connections();
    let peakConnections = connectionsAfterWarmUp;
    const sampler = setInterval(() => void connections().then((n) => (peakConnections = Math.max(peakConnections, n))), 2000);
    await Promise.all(workers);
    clearInterval(sampler);
    const rssAtEnd = rssMb(pid);
    const connectionsAtEnd = await connections();
    const scheduledRuns = (await db.client.query(`SELECT count(*)::int AS n FROM runs WHERE trigger = 'schedule'`)).rows[0].n;

    console.log(
      `soak: ${SECONDS} s, ${requests} requests, ${errors.length} errors, ${scheduledRuns} scheduled runs; RSS ${rssAfterWarmUp.toFixed(1)} → ${rssAtEnd.toFixed(1)} MB (growth ${(rssAtEnd - rssAfterWarmUp).toFixed(1)} MB); DB connections ${connectionsAfterWarmUp} → ${connectionsAtEnd} (peak ${peakConnections})`,
    );
    expect(errors.slice(0, 10)).toEqual([]);
    expect(scheduledRuns).toBeGreaterThan(0);
    expect(rssAtEnd - rssAfterWarmUp).toBeLessThan(MAX_RSS_GROWTH_MB);
    // The test's own client is one of them; the server's pools stay within their bounds.
    expect(connectionsAtEnd).toBeLessThanOrEqual(Math.max(connectionsAfterWarmUp, peakConnections));
    expect(peakConnections).toBeLessThanOrEqual(connectionsAfterWarmUp + 12);
    expect(server.child.exitCode).toBeNull();
  }, (SECONDS + 120) * 1000);
});
