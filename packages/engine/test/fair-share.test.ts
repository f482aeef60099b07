import type { Actor } from '@pipewright/core';
import { FairQueue } from '@pipewright/engine';
import { engineWorld, eventually, type EngineWorld } from './support/harness.js';

/**
 * A handler that holds every record until released, counting the runs of each organization
 * (named by the record's `org`) inside it at once.
 */
function gate() {
  const inside = new Map<string, number>();
  const most = new Map<string, number>();
  const started: string[] = [];
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const handler = async (record: unknown, ctx: { signal: AbortSignal }) => {
    const org = (record as { org: string }).org;
    const n = (inside.get(org) ?? 0) + 1;
    inside.set(org, n);
    most.set(org, Math.max(most.get(org) ?? 0, n));
    started.push(org);
    // Released, or the run was stopped (a timeout, a cancel).
    await Promise.race([
      opened,
      new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r(), { once: true })),
    ]);
    inside.set(org, inside.get(org)! - 1);
    return record;
  };
  return { handler, inside, most, started, open };
}

const workflowOf = (org: string, records = 1) => ({
  source: { connector: 'inline', settings: { records: Array.from({ length: records }, () => ({ org })) } },
  stages: { transformation: { handler: 'gate' } },
});

describe('fair share in the in-process executor', () => {
  let w: EngineWorld;
  afterEach(() => w.close());

  /** A second organization, with its admin acting in it. */
  async function secondOrg(): Promise<Actor> {
    const org = await w.core.admin.createOrganization(w.admin, { slug: 'beta' });
    return { kind: 'user', userId: w.admin.userId, orgId: org.id, role: 'admin' };
  }

  async function pipelines(actor: Actor, org: string, n: number): Promise<string[]> {
    const wf = await w.core.workflows.create(actor, { name: `wf-${org}`, definition: workflowOf(org) });
    const ids: string[] = [];
    for (let i = 0; i < n; i++)
      ids.push((await w.core.pipelines.create(actor, { name: `${org}-${i}`, workflowId: wf.id })).pipeline.id);
    return ids;
  }

  it("starts another organization's run while one organization's ten wait, and holds each to its limit", async () => {
    w = await engineWorld({ concurrency: 3, organizationConcurrency: 2 });
    const g = gate();
    w.executor.registry.registerHandler('gate', g.handler);
    const beta = await secondOrg();
    const many = await pipelines(w.member, 'a', 10);
    const [one] = await pipelines(beta, 'b', 1);
    const runsA = [];
    for (const p of many) runsA.push(await w.core.runs.trigger(w.member, p));
    await eventually(() => g.inside.get('a') === 2);
    const runB = await w.core.runs.trigger(beta, one!);
    // B's run takes the third slot at once, while A's eight others still wait.
    await eventually(() => g.inside.get('b') === 1);
    expect(g.inside.get('a')).toBe(2);
    const pendingA = await Promise.all(runsA.map((r) => w.core.runs.get(w.member, r.id)));
    expect(pendingA.filter((r) => r.status === 'PENDING')).toHaveLength(8);
    g.open();
    for (const r of [...runsA, runB]) await w.executor.settled(r.id);
    expect(g.most.get('a')).toBe(2);
    expect(g.most.get('b')).toBe(1);
    expect((await w.core.runs.get(beta, runB.id)).status).toBe('COMPLETED');
    for (const r of runsA) expect((await w.core.runs.get(w.member, r.id)).status).toBe('COMPLETED');
  });

  it('interleaves the waiting runs of organizations round robin, not first in first out', async () => {
    w = await engineWorld({ concurrency: 1, organizationConcurrency: 1 });
    const g = gate();
    w.executor.registry.registerHandler('gate', g.handler);
    const beta = await secondOrg();
    const runs = [];
    for (const p of await pipelines(w.member, 'a', 4)) runs.push(await w.core.runs.trigger(w.member, p));
    for (const p of await pipelines(beta, 'b', 2)) runs.push(await w.core.runs.trigger(beta, p));
    await eventually(() => g.started.length === 1);
    g.open();
    for (const run of runs) await w.executor.settled(run.id);
    const order = g.started;
    // The first of A's had started before B's arrived; after it, B's runs are served every other turn.
    expect(order).toEqual(['a', 'a', 'b', 'a', 'b', 'a']);
  });

  it('holds an organization to its own limit when it has one (set by a server admin)', async () => {
    w = await engineWorld({ concurrency: 4, organizationConcurrency: 3 });
    const g = gate();
    w.executor.registry.registerHandler('gate', g.handler);
    const storage = w.storage;
    const org = (await storage.organizations.findById(w.member.orgId))!;
    org.limitConcurrentRuns(1, new Date());
    await storage.organizations.update(org);
    const runs = [];
    for (const p of await pipelines(w.member, 'a', 3)) runs.push(await w.core.runs.trigger(w.member, p));
    await eventually(() => g.inside.get('a') === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(g.inside.get('a')).toBe(1);
    g.open();
    for (const r of runs) await w.executor.settled(r.id);
    expect(g.most.get('a')).toBe(1);
  });

  it('defaults each organization to half the slots, rounded up', async () => {
    w = await engineWorld({ concurrency: 3 });
    const g = gate();
    w.executor.registry.registerHandler('gate', g.handler);
    const runs = [];
    for (const p of await pipelines(w.member, 'a', 4)) runs.push(await w.core.runs.trigger(w.member, p));
    await eventually(() => g.inside.get('a') === 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(g.inside.get('a')).toBe(2);
    g.open();
    for (const r of runs) await w.executor.settled(r.id);
  });

  it("stops a run past its pipeline's own time limit, or the operator's maximum when that is shorter", async () => {
    w = await engineWorld({ runTimeoutMs: 10_000 });
    const g = gate();
    w.executor.registry.registerHandler('gate', g.handler);
    // Three records: the stop is seen before the second (a run whose last record passed has completed).
    const wf = await w.workflow(workflowOf('a', 3));
    const started = Date.now();
    const own = await w.run(await w.pipeline(wf, { runTimeoutSeconds: 1 }));
    expect(own).toMatchObject({
      status: 'STOPPED',
      error: "run timed out after 1 s (the pipeline's limit)",
      cancelledBy: null,
    });
    expect(Date.now() - started).toBeLessThan(3_000);
    await w.close();

    w = await engineWorld({ runTimeoutMs: 200 });
    w.executor.registry.registerHandler('gate', g.handler);
    const capped = await w.run(await w.pipeline(await w.workflow(workflowOf('a', 3)), { runTimeoutSeconds: 60 }));
    expect(capped).toMatchObject({ status: 'STOPPED', error: 'run timed out after 200 ms' });
    g.open();
  });
});

describe('FairQueue', () => {
  const item = (orgId: string, n: number) => ({ runId: `${orgId}${n}`, orgId });

  it('serves organizations in turn, each in its own order, skipping those at their limit', () => {
    const q = new FairQueue<{ runId: string; orgId: string }>();
    for (let i = 1; i <= 3; i++) q.push(item('a', i));
    q.push(item('b', 1));
    q.push(item('c', 1));
    const all = () => true;
    expect([q.take(all), q.take(all), q.take(all), q.take(all)].map((i) => i!.runId)).toEqual(['a1', 'b1', 'c1', 'a2']);
    expect(q.take((org) => org !== 'a')).toBeUndefined();
    expect(q.has('a3')).toBe(true);
    expect(q.size).toBe(1);
    expect(q.takeAll().map((i) => i.runId)).toEqual(['a3']);
    expect(q.size).toBe(0);
  });
});
