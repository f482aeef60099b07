import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { emptyCounters, INTERRUPTED, LeaseLostError } from '@pipewright/core';
import { EgressPolicy, uploadedBytes } from '@pipewright/engine';
import { InterruptRecovery, RESTARTED } from '@pipewright/executor-queue';
import { eventually, queueWorld, type QueueWorld } from './queue-world.js';

// pg-boss and LISTEN/NOTIFY need a real Postgres: these run where TEST_DATABASE_URL is set (CI, dev machines).
const describeWithPostgres = process.env.TEST_DATABASE_URL ? describe : describe.skip;

const RECORDS = [{ n: 1 }, { n: 2 }, { n: 3 }, 'bad'];
const inline = {
  source: { connector: 'inline', settings: { records: RECORDS } },
  stages: { filter: 'n > 1' },
  destination: { connector: 'none', settings: {} },
};
const EXACT = { passed: [3, 3, 2, 2, 2, 2], failed: [1, 0, 1, 0, 0, 0] };

describeWithPostgres('QueueExecutor and QueueWorker', () => {
  let w: QueueWorld;
  beforeEach(async () => {
    w = await queueWorld();
  }, 60_000);
  afterEach(async () => {
    await w.close();
  }, 60_000);

  const run = (id: string) => w.core.runs.get(w.admin, id);
  const messages = async (id: string) =>
    (await w.core.runs.logs(w.admin, id, { minLevel: 'DEBUG' }, { page: 1, size: 100 })).items.map((l) => l.message);
  let hooks = 0;
  const hookConnection = async (url: string) =>
    (await w.core.connections.create(w.admin, { name: `hook-${++hooks}`, kind: 'webhook', settings: { url } })).id;

  it("holds a worker's connectors to its egress policy, and resolves the workflow's connections", async () => {
    await w.worker({ egress: EgressPolicy.fromConfig({ multiOrganization: true }) });
    const wf = await w.core.workflows.create(w.admin, {
      name: 'local-hook',
      definition: {
        source: { connector: 'inline', settings: { records: [{ n: 1 }] } },
        stages: {},
        destination: {
          connector: 'webhook',
          connection: await hookConnection('http://127.0.0.1:9/'),
          settings: { maxAttempts: 1 },
        },
      },
    });
    const r = await w.core.runs.triggerWorkflow(w.admin, wf.id);
    await eventually(async () => (await run(r.id)).isTerminal);
    expect(await run(r.id)).toMatchObject({ status: 'ERROR', stages: { passed: [0, 0, 0, 0, 0, 0] } });
    expect((await run(r.id)).error).toMatch(
      /^destination "webhook" failed: egress refused: 127\.0\.0\.1, a loopback address/,
    );
  }, 30_000);

  it('leaves a submitted run PENDING on the queue until a worker takes it, then executes it', async () => {
    const wf = await w.core.workflows.create(w.admin, { name: 'wf', definition: inline });
    const r = await w.core.runs.triggerWorkflow(w.admin, wf.id);
    await new Promise((res) => setTimeout(res, 300));
    expect((await run(r.id)).status).toBe('PENDING');
    await w.worker();
    await eventually(async () => (await run(r.id)).isTerminal);
    expect(await run(r.id)).toMatchObject({ status: 'COMPLETED', stages: EXACT });
  }, 30_000);

  it('stores uploaded files in Postgres for the worker and forgets them once the run ended', async () => {
    await w.worker();
    const wf = await w.core.workflows.create(w.admin, {
      name: 'up',
      definition: {
        source: { connector: 'upload', settings: {} },
        stages: {},
        destination: { connector: 'none', settings: {} },
      },
    });
    let discarded = 0;
    const small = {
      ...uploadedBytes('a.ndjson', '{"a":1}\n{"a":2}\n', 'application/x-ndjson'),
      discard: async () => void discarded++,
    };
    // About 2.6 MiB: three parts in the store, read back by the worker one at a time.
    const big = uploadedBytes('big.jsonl', `${JSON.stringify({ a: 3, pad: 'x'.repeat(1000) })}\n`.repeat(2600));
    const r = await w.core.runs.triggerWorkflow(w.admin, wf.id, { files: [small, big] });
    // Stored: the server's copy is freed at once.
    expect(discarded).toBe(1);
    expect((await w.connection.uploads.load(r.id)).map((f) => [f.name, f.size])).toEqual([
      ['a.ndjson', 16],
      ['big.jsonl', big.size],
    ]);
    await eventually(async () => (await run(r.id)).isTerminal);
    expect(await run(r.id)).toMatchObject({
      status: 'COMPLETED',
      stages: { passed: [2602, 2602, 2602, 2602, 2602, 2602] },
      files: { total: 2, ok: 2, failed: 0 },
    });
    await eventually(async () => (await w.connection.uploads.load(r.id)).length === 0);
  }, 30_000);

  it('restarts a run of a dead worker from the start when its workflow says so, else ends it as interrupted', async () => {
    const retry = await w.core.workflows.create(w.admin, { name: 'retry', definition: inline, retryOnInterrupt: true });
    const end = await w.core.workflows.create(w.admin, { name: 'end', definition: inline });
    const a = await w.core.runs.triggerWorkflow(w.admin, retry.id);
    const b = await w.core.runs.triggerWorkflow(w.admin, end.id);
    // A worker that began both and died: a lease that is over at once, some progress saved.
    for (const id of [a.id, b.id]) {
      const begun = await w.core.lifecycle.begin(id, 1);
      await w.core.lifecycle.heartbeat(id, begun!.holder, 1, {
        stages: { passed: [1, 1, 0, 0, 0, 0], failed: [0, 0, 0, 0, 0, 0] },
        files: { total: 0, ok: 0, failed: 0 },
      });
    }
    await new Promise((res) => setTimeout(res, 20));
    await w.worker();
    await eventually(async () => (await run(a.id)).isTerminal && (await run(b.id)).isTerminal);
    expect(await run(a.id)).toMatchObject({ status: 'COMPLETED', stages: EXACT });
    expect((await messages(a.id)).filter((m) => m === RESTARTED)).toHaveLength(1);
    expect((await messages(a.id)).filter((m) => m.startsWith('Run started'))).toHaveLength(1);
    expect(await run(b.id)).toMatchObject({ status: 'ERROR', error: INTERRUPTED });
  }, 30_000);

  it('begins a run once however many jobs name it and however many workers fetch them', async () => {
    await Promise.all([w.worker({ concurrency: 3 }), w.worker({ concurrency: 3 })]);
    const wf = await w.core.workflows.create(w.admin, { name: 'dup', definition: inline });
    const r = await w.core.runs.triggerWorkflow(w.admin, wf.id);
    await Promise.all(Array.from({ length: 6 }, () => w.connection.enqueue(r.id, r.orgId)));
    await eventually(async () => (await run(r.id)).isTerminal);
    await new Promise((res) => setTimeout(res, 500)); // the duplicate jobs are fetched and dropped
    expect(await run(r.id)).toMatchObject({ status: 'COMPLETED', stages: EXACT });
    expect((await messages(r.id)).filter((m) => m.startsWith('Run started'))).toHaveLength(1);
  }, 30_000);

  it('stops a running run through the cancel notification', async () => {
    await w.worker({ leaseMs: 60_000 }); // heartbeat every 5 s: a stop sooner came through NOTIFY
    const hold = createServer(() => {}); // a webhook that never answers
    await new Promise<void>((res) => hold.listen(0, '127.0.0.1', res));
    const url = `http://127.0.0.1:${(hold.address() as AddressInfo).port}/`;
    const wf = await w.core.workflows.create(w.admin, {
      name: 'slow',
      definition: {
        source: { connector: 'inline', settings: { records: [{ n: 1 }] } },
        stages: {},
        destination: {
          connector: 'webhook',
          connection: await hookConnection(url),
          settings: { timeoutMs: 30_000, maxAttempts: 1 },
        },
      },
    });
    const r = await w.core.runs.triggerWorkflow(w.admin, wf.id);
    await eventually(async () => (await run(r.id)).status === 'EXECUTING');
    await new Promise((res) => setTimeout(res, 200));
    const asked = Date.now();
    await w.core.runs.cancel(w.admin, r.id);
    await eventually(async () => (await run(r.id)).isTerminal, 5_000);
    expect((await run(r.id)).status).toBe('STOPPED');
    expect(Date.now() - asked).toBeLessThan(1_000);
    hold.closeAllConnections();
    hold.close();
  }, 30_000);

  it("evaluates stages in its engine's sandbox: a memory bomb ends its run as ERROR, the worker goes on; a cancel ends the child at once", async () => {
    await w.worker({ leaseMs: 60_000, sandbox: { size: 1, heapMb: 128, batchTimeoutMs: 20_000 } });
    const bomb = '($d := function($s,$n){ $n = 0 ? $s : $d($s & $s, $n-1) }; $count($split($d("a", 28), "")) > 0)';
    const create = (name: string, filter: string) =>
      w.core.workflows.create(w.admin, {
        name,
        definition: {
          source: { connector: 'inline', settings: { records: [{ n: 1 }] } },
          stages: { filter },
          destination: null,
        },
      });
    const first = await w.core.runs.triggerWorkflow(w.admin, (await create('bomb', bomb)).id);
    await eventually(async () => (await run(first.id)).isTerminal, 20_000);
    // Out of memory, or on a loaded machine out of time first: a limit either way.
    expect(await run(first.id)).toMatchObject({
      status: 'ERROR',
      error: expect.stringMatching(
        /^The stages (ran out of memory \(limit 128 MB\)|took longer than \d+ s for one batch); the run was stopped\.$/,
      ),
    });
    const sane = await w.core.runs.triggerWorkflow(w.admin, (await create('sane', 'n > 0')).id);
    await eventually(async () => (await run(sane.id)).isTerminal, 20_000);
    expect(await run(sane.id)).toMatchObject({ status: 'COMPLETED', stages: { passed: [1, 1, 1, 1, 1, 1] } });
    const endless = await w.core.runs.triggerWorkflow(
      w.admin,
      (await create('endless', '($f := function($x){ $f($x) }; $f(1))')).id,
    );
    await eventually(async () => (await run(endless.id)).status === 'EXECUTING');
    await new Promise((res) => setTimeout(res, 300));
    const asked = Date.now();
    await w.core.runs.cancel(w.admin, endless.id);
    await eventually(async () => (await run(endless.id)).isTerminal, 5_000);
    expect((await run(endless.id)).status).toBe('STOPPED');
    expect(Date.now() - asked).toBeLessThan(1_000);
  }, 60_000);

  it('retries a run failing with a retryable error through the queue: the backoff is spent as a delayed job, not in a worker slot', async () => {
    const statuses = [503];
    const hook = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.statusCode = statuses.shift() ?? 200;
        res.end();
      });
    });
    await new Promise<void>((res) => hook.listen(0, '127.0.0.1', res));
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`;
    const worker = await w.worker();
    const wf = await w.core.workflows.create(w.admin, {
      name: 'flaky-hook',
      definition: {
        source: { connector: 'inline', settings: { records: [{ n: 1 }] } },
        stages: {},
        destination: { connector: 'webhook', connection: await hookConnection(url), settings: { maxAttempts: 1 } },
      },
    });
    const { pipeline } = await w.core.pipelines.create(w.admin, {
      name: 'retried',
      workflowId: wf.id,
      retry: { maxAttempts: 3, backoffSeconds: 2 },
    });
    const started = Date.now();
    const r = await w.core.runs.trigger(w.admin, pipeline.id);
    await eventually(async () => (await run(r.id)).attempt === 2);
    // Waiting for attempt 2: PENDING without a lease (the queue brings it back), no slot taken.
    expect(await run(r.id)).toMatchObject({ status: 'PENDING', leaseExpiresAt: null });
    await eventually(() => worker.active === 0);
    await eventually(async () => (await run(r.id)).isTerminal);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(await run(r.id)).toMatchObject({ status: 'COMPLETED', attempt: 2, stages: { passed: [1, 1, 1, 1, 1, 1] } });
    expect(await messages(r.id)).toEqual(
      expect.arrayContaining([
        'Attempt 1 of 3 failed: destination "webhook" failed: webhook failed after 1 attempts: answered 503 Service Unavailable (retryable); retrying in 2 s.',
        'Attempt 2 of 3.',
      ]),
    );
    hook.close();
  }, 30_000);

  it('stops a run cancelled during the backoff at once; its delayed job then finds nothing to do', async () => {
    await w.worker();
    const wf = await w.core.workflows.create(w.admin, {
      name: 'refused',
      definition: {
        source: {
          connector: 'postgres',
          connection: (
            await w.core.connections.create(w.admin, {
              name: 'refused',
              kind: 'postgres',
              settings: { connectionString: 'postgres://nobody@127.0.0.1:1/none' },
            })
          ).id,
          settings: { table: 'rows' },
        },
        stages: {},
        destination: { connector: 'none', settings: {} },
      },
    });
    const { pipeline } = await w.core.pipelines.create(w.admin, {
      name: 'refused',
      workflowId: wf.id,
      retry: { maxAttempts: 3, backoffSeconds: 1 },
    });
    const r = await w.core.runs.trigger(w.admin, pipeline.id);
    await eventually(async () => (await run(r.id)).attempt === 2);
    expect((await w.core.runs.cancel(w.admin, r.id)).status).toBe('STOPPED');
    await new Promise((res) => setTimeout(res, 2_000)); // past the backoff: the delayed job was fetched and dropped
    expect(await run(r.id)).toMatchObject({ status: 'STOPPED', attempt: 2 });
    expect((await messages(r.id)).filter((m) => m.startsWith('Run started'))).toHaveLength(1);
  }, 30_000);

  it('lists live workers with their heartbeat', async () => {
    const worker = await w.worker();
    const list = await w.connection.workers.list();
    expect(list).toEqual([expect.objectContaining({ id: worker.id, pid: process.pid, alive: true, stoppedAt: null })]);
    await worker.stop(100);
    expect((await w.connection.workers.list())[0]).toMatchObject({ alive: false });
  }, 30_000);
});

describeWithPostgres('lease ownership across workers', () => {
  let w: QueueWorld;
  beforeEach(async () => {
    w = await queueWorld();
  }, 60_000);
  afterEach(async () => {
    await w.close();
  }, 60_000);

  it('refuses a stalled worker whose run was restarted and began elsewhere: no heartbeat, retry or finish', async () => {
    const wf = await w.core.workflows.create(w.admin, { name: 'fence', definition: inline, retryOnInterrupt: true });
    const { pipeline } = await w.core.pipelines.create(w.admin, {
      name: 'fence',
      workflowId: wf.id,
      retry: { maxAttempts: 3 },
    });
    const r = await w.core.runs.trigger(w.admin, pipeline.id);
    const stalled = await w.core.lifecycle.begin(r.id, 1);
    expect(stalled).not.toBeNull();
    await new Promise((res) => setTimeout(res, 20));
    // Its lease expired: recovery restarts the run, another worker begins it.
    const { restarted } = await new InterruptRecovery(w.core, async () => {}).recoverOnce();
    expect(restarted.map((x) => x.id)).toEqual([r.id]);
    const current = await w.core.lifecycle.begin(r.id, 60_000);
    expect(current?.holder).toEqual(expect.any(String));
    expect(current!.holder).not.toBe(stalled!.holder);

    expect(await w.core.lifecycle.heartbeat(r.id, stalled!.holder, 60_000)).toBe('lost');
    await expect(
      w.core.lifecycle.retry(r.id, stalled!.holder, { retryable: true, leaseMs: null }),
    ).rejects.toBeInstanceOf(LeaseLostError);
    await expect(
      w.core.lifecycle.finish(r.id, stalled!.holder, {
        status: 'COMPLETED',
        stages: emptyCounters(),
        files: { total: 0, ok: 0, failed: 0 },
      }),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect(await w.core.runs.get(w.admin, r.id)).toMatchObject({
      status: 'EXECUTING',
      attempt: 1,
      leaseHolder: current!.holder,
    });
    // The worker that holds it now goes on and ends it.
    expect(await w.core.lifecycle.heartbeat(r.id, current!.holder, 60_000)).toBe('continue');
    const ended = await w.core.lifecycle.finish(r.id, current!.holder, {
      status: 'COMPLETED',
      stages: emptyCounters(),
      files: { total: 0, ok: 0, failed: 0 },
    });
    expect(ended).toMatchObject({ status: 'COMPLETED', leaseHolder: null });
  }, 30_000);
});
