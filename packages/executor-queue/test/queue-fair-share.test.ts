import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Actor } from '@pipewright/core';
import { eventually, queueWorld, type QueueWorld } from './queue-world.js';

// pg-boss needs a real Postgres: these run where TEST_DATABASE_URL is set (CI, dev machines).
const describeWithPostgres = process.env.TEST_DATABASE_URL ? describe : describe.skip;

/** A webhook that holds every request until released, counting those open per path (one path per organization). */
async function holdingHook() {
  const open = new Map<string, number>();
  const most = new Map<string, number>();
  const held: ServerResponse[] = [];
  let released = false;
  const server = createServer((req, res) => {
    req.resume();
    const path = req.url ?? '/';
    const n = (open.get(path) ?? 0) + 1;
    open.set(path, n);
    most.set(path, Math.max(most.get(path) ?? 0, n));
    const answer = () => {
      open.set(path, open.get(path)! - 1);
      res.end('{}');
    };
    if (released) answer();
    else held.push(Object.assign(res, { answer }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    open: (path: string) => open.get(path) ?? 0,
    most: (path: string) => most.get(path) ?? 0,
    release() {
      released = true;
      for (const res of held.splice(0)) (res as ServerResponse & { answer: () => void }).answer();
    },
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

describeWithPostgres('fair share in the queue worker', () => {
  let w: QueueWorld;
  let hook: Awaited<ReturnType<typeof holdingHook>>;
  beforeEach(async () => {
    w = await queueWorld();
    hook = await holdingHook();
  }, 60_000);
  afterEach(async () => {
    hook.release();
    hook.close();
    await w.close();
  }, 60_000);

  const run = (actor: Actor, id: string) => w.core.runs.get(actor, id);

  /** A workflow of `actor`'s organization posting its one record to the hook's `path`. */
  async function hookWorkflow(actor: Actor, path: string): Promise<string> {
    const connection = await w.core.connections.create(actor, {
      name: `hook${path.replace('/', '-')}`,
      kind: 'webhook',
      settings: { url: `${hook.base}${path}` },
    });
    const wf = await w.core.workflows.create(actor, {
      name: `wf${path.replace('/', '-')}`,
      definition: {
        source: { connector: 'inline', settings: { records: [{ n: 1 }] } },
        stages: {},
        destination: {
          connector: 'webhook',
          connection: connection.id,
          settings: { timeoutMs: 30_000, maxAttempts: 1 },
        },
      },
    });
    return wf.id;
  }

  async function secondOrg(): Promise<Actor> {
    const org = await w.core.admin.createOrganization(w.admin, { slug: 'beta' });
    return { kind: 'user', userId: w.admin.userId, orgId: org.id, role: 'admin' };
  }

  it("starts another organization's run while one organization's six wait, and holds each to its limit", async () => {
    await w.worker({ concurrency: 3, organizationConcurrency: 2 });
    const beta = await secondOrg();
    const a = await hookWorkflow(w.admin, '/a');
    const b = await hookWorkflow(beta, '/b');
    const runsA = [];
    for (let i = 0; i < 6; i++) runsA.push(await w.core.runs.triggerWorkflow(w.admin, a));
    await eventually(() => hook.open('/a') === 2);
    await new Promise((r) => setTimeout(r, 700));
    expect(hook.open('/a')).toBe(2);
    const asked = Date.now();
    const runB = await w.core.runs.triggerWorkflow(beta, b);
    await eventually(() => hook.open('/b') === 1, 5_000);
    console.log(
      `queue fair share: B's run reached its destination ${Date.now() - asked} ms after its trigger, A's 2 running and 4 waiting`,
    );
    hook.release();
    for (const r of runsA) await eventually(async () => (await run(w.admin, r.id)).status === 'COMPLETED', 20_000);
    await eventually(async () => (await run(beta, runB.id)).status === 'COMPLETED');
    expect(hook.most('/a')).toBe(2);
  }, 60_000);

  it('holds an organization to its own limit (maxConcurrentRuns) across two workers', async () => {
    // Set before the workers start: they read the limits again only every 5 s.
    const org = (await w.store.storage.organizations.findById(w.admin.orgId))!;
    org.limitConcurrentRuns(1, new Date());
    await w.store.storage.organizations.update(org);
    await Promise.all([w.worker({ concurrency: 2 }), w.worker({ concurrency: 2 })]);
    const a = await hookWorkflow(w.admin, '/a');
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await w.core.runs.triggerWorkflow(w.admin, a));
    await eventually(() => hook.open('/a') === 1);
    await new Promise((r) => setTimeout(r, 1_200));
    expect(hook.open('/a')).toBe(1);
    hook.release();
    for (const r of runs) await eventually(async () => (await run(w.admin, r.id)).status === 'COMPLETED', 20_000);
    expect(hook.most('/a')).toBe(1);
  }, 60_000);
});
