import { readFileSync } from 'node:fs';
import { call, createOrg, createPrincipal, rootToken, unstract, type Principal, type Reply } from './support/http.js';
import {
  createTestDatabase,
  startServerProcess,
  type ServerProcess,
  type TestDatabase,
} from './support/server-process.js';

// Issue 12 (6): mixed traffic in every dialect with the scheduler firing, for
// RELIABILITY_SOAK_SECONDS (default 300): no errors, RSS growth under 50 MB after warm-up
// (the first fifth of the run: the first minute by default; growth = end − warm-up), and no
// more database connections at the end than after warm-up. The server runs with exactly the
// node flags of `npm start` (support/server-process.ts), so this is the memory users get.
const SECONDS = Number(process.env.RELIABILITY_SOAK_SECONDS || 300);
const WARM_UP_MS = Math.max(10_000, SECONDS * 200);
const WORKERS = 4;
const MAX_RSS_GROWTH_MB = Number(process.env.RELIABILITY_SOAK_MAX_RSS_GROWTH_MB || 50);
// heapUsed swings with garbage not yet collected: the lowest of the samples (one a second) in
// the window before warm-up and before the end is the closest to the live heap seen from outside.
const HEAP_WINDOW_MS = Math.min(30_000, WARM_UP_MS / 2);

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
    server = await startServerProcess({
      databaseUrl: db.url,
      env: {
        LOG_LEVEL: 'warn',
        PIPEWRIGHT_MIN_SCHEDULE_INTERVAL_SECONDS: '1',
        PIPEWRIGHT_LOGIN_RATE_LIMIT: '100000',
      },
    });
    const root = await rootToken(server.base);
    await createOrg(server.base, root, 'acme');
    owner = await createPrincipal(server.base, root, 'acme', 'admin', 'owner');
    member = await createPrincipal(server.base, root, 'acme', 'member', 'member');
    const w = await call(server.base, 'POST', `${unstract('acme')}/workflow/`, {
      auth: owner.key,
      json: {
        workflow_name: 'soak',
        source_settings: { connector: 'inline', settings: { records: Array.from({ length: 200 }, (_, i) => ({ i })) } },
        destination_settings: { connector: 'none', settings: {} },
      },
    });
    workflowId = w.body.id;
    const scheduled = await call(server.base, 'POST', `${unstract('acme')}/pipeline/`, {
      auth: owner.key,
      json: { pipeline_name: 'every-3s', workflow: workflowId, cron_string: '*/3 * * * * *' },
    });
    expect(scheduled.status).toBe(201);
    manualPipeline = (
      await call(server.base, 'POST', `${unstract('acme')}/pipeline/`, {
        auth: owner.key,
        json: { pipeline_name: 'manual', workflow: workflowId },
      })
    ).body.id;
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    server?.cleanup();
    await db?.drop();
  });

  it(
    `serves ${SECONDS} s of mixed traffic without errors, memory growth or connection leaks`,
    async () => {
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
        [
          () =>
            call(server.base, 'POST', `${unstract('acme')}/pipeline/execute/`, {
              auth: owner.key,
              json: { pipeline_id: manualPipeline },
            }),
          [200, 409, 422],
        ],
        [
          async () => {
            const name = `tmp-${++i}-${process.pid}`;
            const created = await call(server.base, 'POST', `${unstract('acme')}/workflow/`, {
              auth: member.key,
              json: { workflow_name: name },
            });
            if (created.status !== 201) return created;
            return call(server.base, 'DELETE', `${unstract('acme')}/workflow/${created.body.id}/`, {
              auth: member.key,
            });
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
      const pid = server.child.pid!;

      // heapUsed as the server's own /metrics reports it (process.memoryUsage().heapUsed), and RSS, once a second.
      const samples: { at: number; heapMb: number; rssMb: number; youngMb: number }[] = [];
      const heapSampler = setInterval(() => {
        const at = Date.now() - started;
        void fetch(`${server.base}/metrics`)
          .then((r) => r.text())
          .then((text) => {
            const heap = /^pipewright_nodejs_heap_size_used_bytes (\S+)$/m.exec(text);
            const young = /^pipewright_nodejs_heap_space_size_total_bytes\{space="new"\} (\S+)$/m.exec(text);
            if (heap && young)
              samples.push({
                at,
                heapMb: Number(heap[1]) / 1048576,
                rssMb: rssMb(pid),
                youngMb: Number(young[1]) / 1048576,
              });
          })
          .catch(() => {});
      }, 1000);
      const heapFloor = (until: number) =>
        Math.min(...samples.filter((s) => s.at > until - HEAP_WINDOW_MS && s.at <= until).map((s) => s.heapMb));

      await new Promise((r) => setTimeout(r, WARM_UP_MS));
      const rssAfterWarmUp = rssMb(pid);
      const connections = async () =>
        (await db.client.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [db.name])).rows[0]
          .n as number;
      const connectionsAfterWarmUp = await connections();
      let peakConnections = connectionsAfterWarmUp;
      const sampler = setInterval(
        () => void connections().then((n) => (peakConnections = Math.max(peakConnections, n))),
        2000,
      );
      await Promise.all(workers);
      const endedAt = Date.now() - started;
      clearInterval(sampler);
      clearInterval(heapSampler);
      const rssAtEnd = rssMb(pid);
      const connectionsAtEnd = await connections();
      const scheduledRuns = (await db.client.query(`SELECT count(*)::int AS n FROM runs WHERE trigger = 'schedule'`))
        .rows[0].n;
      const heapAfterWarmUp = heapFloor(WARM_UP_MS);
      const heapAtEnd = heapFloor(endedAt);
      const youngMb = Math.max(...samples.map((s) => s.youngMb));
      // RSS at each whole minute, to tell a step (heap sizing) from a slope (retained memory).
      const byMinute = samples
        .filter((s, k) => k > 0 && Math.floor(s.at / 60_000) > Math.floor(samples[k - 1]!.at / 60_000))
        .map((s) => s.rssMb.toFixed(0));

      console.log(
        `soak: ${SECONDS} s, ${requests} requests, ${errors.length} errors, ${scheduledRuns} scheduled runs; ` +
          `RSS ${rssAfterWarmUp.toFixed(1)} → ${rssAtEnd.toFixed(1)} MB (growth ${(rssAtEnd - rssAfterWarmUp).toFixed(1)} MB; by minute ${byMinute.join(', ')}); ` +
          `heapUsed (lowest in ${HEAP_WINDOW_MS / 1000} s) ${heapAfterWarmUp.toFixed(1)} → ${heapAtEnd.toFixed(1)} MB (growth ${(heapAtEnd - heapAfterWarmUp).toFixed(1)} MB); ` +
          `young generation at most ${youngMb.toFixed(0)} MB; ` +
          `DB connections ${connectionsAfterWarmUp} → ${connectionsAtEnd} (peak ${peakConnections})`,
      );
      expect(errors.slice(0, 10)).toEqual([]);
      expect(scheduledRuns).toBeGreaterThan(0);
      expect(rssAtEnd - rssAfterWarmUp).toBeLessThan(MAX_RSS_GROWTH_MB);
      // `npm start`'s --max-semi-space-size=16 is in effect: a 32 MB young generation, not Node 24's 128 MB.
      expect(samples.length).toBeGreaterThan(0);
      expect(youngMb).toBeLessThan(48);
      // The test's own client is one of them; the server's pools stay within their bounds.
      expect(connectionsAtEnd).toBeLessThanOrEqual(Math.max(connectionsAfterWarmUp, peakConnections));
      expect(peakConnections).toBeLessThanOrEqual(connectionsAfterWarmUp + 12);
      expect(server.child.exitCode).toBeNull();
    },
    (SECONDS + 120) * 1000,
  );
});
