// One organization's hostile list requests against another's latency. Organization "hostile"
// holds BENCH_PIPELINES (10 000) pipelines with 20 tags and sends BENCH_HOSTILE (12) ZenML list
// requests at once, again and again, each with as many filter terms as the request limits allow
// (`tag=contains:…`, `name=contains:…`, `user=contains:…`, ORed); meanwhile organization
// "victim" lists its own pipelines. Prints the victim's p50/p99/max alone and under the load.
// A fresh pipewright_test_bench_* database on BENCH_DATABASE_URL (default the local postgres);
// BENCH_SECONDS (15) of load; PIPEWRIGHT_STATEMENT_TIMEOUT_MS and PIPEWRIGHT_LISTS_PER_ORG as the server reads them.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor } from '@pipewright/core';
import { FILTER_LIMITS } from '@pipewright/http-express';
import { createApp, createLogger, loadConfig, openStorage } from '@pipewright/server';
import pg from 'pg';

const BASE = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PIPELINES = Number(process.env.BENCH_PIPELINES ?? 10_000);
const HOSTILE = Number(process.env.BENCH_HOSTILE ?? 12);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const summary = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  return `n=${s.length} p50=${percentile(s, 50).toFixed(0)} ms p99=${percentile(s, 99).toFixed(0)} ms max=${(s.at(-1) ?? NaN).toFixed(0)} ms`;
};

/**
 * The most filtering the limits let one request ask for: `tag=contains:…` (the dearest: an
 * EXISTS over the tags per term), then `name=`, then `user=`, each up to the per-parameter limit,
 * up to the request's total (which also counts `project` and `logical_operator`).
 */
function hostileQuery(): string {
  const fixed = ['project=hostile', 'logical_operator=or'];
  let left = FILTER_LIMITS.total - fixed.length;
  const terms = (name: string, value: (i: number) => string) => {
    const n = Math.min(FILTER_LIMITS.perParameter, left);
    left -= n;
    return Array.from({ length: n }, (_, i) => `${name}=${encodeURIComponent(value(i))}`);
  };
  return [
    ...fixed,
    ...terms('tag', (i) => `contains:g-${i % 10}`),
    ...terms('name', (i) => `contains:${i}x`),
    ...terms('user', (i) => `contains:u${i}`),
  ].join('&');
}

async function main(): Promise<void> {
  const name = `pipewright_test_bench_hostile_${process.pid}`;
  const admin = new pg.Client({ connectionString: BASE });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(BASE);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const dataDir = mkdtempSync(join(tmpdir(), 'pipewright-bench-'));
  const { statementTimeoutMs, listsPerOrganization } = loadConfig(process.env);
  const config = {
    databaseUrl,
    dataDir,
    secret: 'bench-secret-0123456789abcdefghijklmn',
    schedulerEnabled: false,
    statementTimeoutMs,
    listsPerOrganization,
  };
  const app = await createApp({ env: {}, config, storage: await openStorage(config), logger: createLogger('silent') });
  const server = createServer(app.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { core } = app;
    const victimBoot = (await core.admin.bootstrap({
      orgSlug: 'victim',
      email: 'victim@bench.test',
      password: 'bench-password-1',
    }))!;
    const hostileOrg = await core.admin.createOrganization(null, { slug: 'hostile' });
    const { user: hostileUser } = await core.admin.createUserAsOperator(hostileOrg.id, {
      email: 'hostile@bench.test',
      password: 'bench-password-1',
      role: 'admin',
    });
    const victimActor: Actor = { kind: 'user', userId: victimBoot.user.id, orgId: victimBoot.org.id, role: 'admin' };
    const hostileActor: Actor = { kind: 'user', userId: hostileUser.id, orgId: hostileOrg.id, role: 'admin' };
    const definition = {
      source: { connector: 'inline', settings: { records: [{ n: 1 }] } },
      destination: { connector: 'none', settings: {} },
    };

    // The victim: 50 pipelines. The hostile organization: one made through core, copied in SQL.
    const victimWf = await core.workflows.create(victimActor, { name: 'victim', definition });
    for (let i = 0; i < 50; i++)
      await core.pipelines.create(victimActor, { name: `victim-${i}`, workflowId: victimWf.id });
    const hostileWf = await core.workflows.create(hostileActor, { name: 'hostile', definition });
    for (let i = 0; i < 20; i++) await core.tags.create(hostileActor, { name: `tag-${i}` });
    const template = (
      await core.pipelines.create(hostileActor, { name: 'template', workflowId: hostileWf.id, tags: ['tag-0'] })
    ).pipeline;
    const seeding = Date.now();
    await db.query(
      `insert into pipelines
       select (jsonb_populate_record(null::pipelines, to_jsonb(p) || jsonb_build_object('id', gen_random_uuid(), 'seq', m.seq + g, 'name', 'hostile-' || lpad(g::text, 6, '0')))).*
       from pipelines p, (select max(seq) as seq from pipelines) m, generate_series(1, $2::int - 1) g where p.id = $1`,
      [template.id, PIPELINES],
    );
    await db.query(
      `insert into pipeline_tags (pipeline_id, tag_id, position)
       select p.id, t.id, 0 from pipelines p join tags t on t.org_id = p.org_id and t.name = 'tag-' || (p.seq % 20)
       where p.org_id = $1 and p.id <> $2`,
      [hostileOrg.id, template.id],
    );
    await db.query('analyze');
    console.log(
      `seeded ${PIPELINES} pipelines in ${Date.now() - seeding} ms; statement timeout ${statementTimeoutMs} ms, ${listsPerOrganization || 'unlimited'} lists per organization at once`,
    );

    const victimToken = (await core.auth.issueToken(victimBoot.user.id)).accessToken;
    const hostileToken = (await core.auth.issueToken(hostileUser.id)).accessToken;
    const timed = async (path: string, token: string) => {
      const started = performance.now();
      const res = await fetch(baseUrl + path, { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      return { status: res.status, ms: performance.now() - started };
    };

    const over = await timed(
      `/api/v1/pipelines?project=hostile&${Array.from({ length: FILTER_LIMITS.perParameter + 1 }, (_, i) => `tag=t${i}`).join('&')}`,
      hostileToken,
    );
    console.log(`a request past the limits: ${over.status} in ${over.ms.toFixed(0)} ms`);
    const single = await timed(`/api/v1/pipelines?${hostileQuery()}`, hostileToken);
    console.log(
      `one hostile request alone (${FILTER_LIMITS.total} parameter values): ${single.status} in ${single.ms.toFixed(0)} ms`,
    );

    const victimLoop = async (until: number, into: number[], statuses: Map<number, number>) => {
      while (Date.now() < until) {
        const r = await timed('/api/v1/pipelines?project=victim&size=20', victimToken);
        into.push(r.ms);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      }
    };
    const alone: number[] = [];
    await Promise.all([0, 1].map(() => victimLoop(Date.now() + 5_000, alone, new Map())));
    console.log(`victim alone:          ${summary(alone)}`);

    const loaded: number[] = [];
    const victimStatuses = new Map<number, number>();
    const hostileMs: number[] = [];
    const hostileStatuses = new Map<number, number>();
    const until = Date.now() + SECONDS * 1000;
    const hostileLoop = async () => {
      while (Date.now() < until) {
        const r = await timed(`/api/v1/pipelines?${hostileQuery()}`, hostileToken);
        hostileMs.push(r.ms);
        hostileStatuses.set(r.status, (hostileStatuses.get(r.status) ?? 0) + 1);
      }
    };
    await Promise.all([
      ...Array.from({ length: HOSTILE }, hostileLoop),
      victimLoop(until, loaded, victimStatuses),
      victimLoop(until, loaded, victimStatuses),
    ]);
    console.log(
      `victim under ${HOSTILE} hostile: ${summary(loaded)} statuses ${JSON.stringify(Object.fromEntries(victimStatuses))}`,
    );
    console.log(
      `hostile requests:      ${summary(hostileMs)} statuses ${JSON.stringify(Object.fromEntries(hostileStatuses))}`,
    );
    const ready = await timed('/readyz', victimToken);
    console.log(`/readyz after the load: ${ready.status} in ${ready.ms.toFixed(0)} ms`);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await app.close();
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
