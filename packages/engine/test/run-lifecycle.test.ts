import { CANCELLED, createCore, emptyCounters, INTERRUPTED, noExecutor } from '@pipewright/core';
import { SHUTDOWN, type HandlerContext, type RecordSourceConnector } from '@pipewright/engine';
import { createMemoryStorage } from '@pipewright/storage-memory';
import { engineWorld, eventually, hasher, sealer, tokens, type EngineWorld } from './support/harness.js';

/** A handler that holds each record until the run is aborted, and says when it got the first one. */
function blockingHandler() {
  let entered!: () => void;
  const reached = new Promise<void>((r) => (entered = r));
  const handler = (record: unknown, ctx: { signal: AbortSignal }) =>
    new Promise<unknown>((resolve) => {
      entered();
      if (ctx.signal.aborted) return resolve(record);
      ctx.signal.addEventListener('abort', () => resolve(record), { once: true });
    });
  return { handler, reached };
}

const blockingWorkflow = {
  source: { connector: 'inline', settings: { records: [{ a: 1 }, { a: 2 }, { a: 3 }] } },
  stages: { transformation: { handler: 'block' } },
};

describe('run lifecycle in the in-process executor', () => {
  let w: EngineWorld;
  afterEach(() => w.close());

  it('cancels in two phases: STOPPING, then STOPPED once the stage saw the signal; records who cancelled', async () => {
    w = await engineWorld();
    const { handler, reached } = blockingHandler();
    w.executor.registry.registerHandler('block', handler);
    const p = await w.pipeline(await w.workflow(blockingWorkflow));
    const run = await w.core.runs.trigger(w.member, p);
    await reached;
    const stopping = await w.core.runs.cancel(w.admin, run.id);
    expect(stopping.status).toBe('STOPPING');
    await w.executor.settled(run.id);
    const ended = await w.core.runs.get(w.member, run.id);
    expect(ended).toMatchObject({
      status: 'STOPPED',
      error: CANCELLED,
      cancelledBy: w.admin.userId,
      triggeredBy: w.member.userId,
    });
    expect(ended.stages.passed[0]).toBe(3);
    expect(ended.stages.passed[5]).toBe(0);
    expect((await w.core.pipelines.get(w.member, p)).lastRun).toMatchObject({ id: run.id, status: 'STOPPED' });
  });

  it('stops a run cancelled by another process, seen by the heartbeat', async () => {
    w = await engineWorld({ heartbeatMs: 20 });
    const { handler, reached } = blockingHandler();
    w.executor.registry.registerHandler('block', handler);
    // A second core on the same storage whose executor does not know the run (another process).
    const elsewhere = createCore({ storage: w.storage, hasher, sealer, tokens, clock: w.clock, executor: noExecutor });
    const run = await w.core.runs.trigger(w.member, await w.pipeline(await w.workflow(blockingWorkflow)));
    await reached;
    await elsewhere.runs.cancel(w.member, run.id);
    await w.executor.settled(run.id);
    expect(await w.core.runs.get(w.member, run.id)).toMatchObject({ status: 'STOPPED', cancelledBy: w.member.userId });
  });

  it('stops a run past its timeout through the same path', async () => {
    w = await engineWorld({ runTimeoutMs: 150 });
    const { handler } = blockingHandler();
    w.executor.registry.registerHandler('block', handler);
    const run = await w.run(await w.pipeline(await w.workflow(blockingWorkflow)));
    expect(run).toMatchObject({ status: 'STOPPED', error: 'run timed out after 150 ms', cancelledBy: null });
  });

  it('ends a run whose worker died (lease expired) as ERROR "interrupted"; nothing stays EXECUTING', async () => {
    w = await engineWorld({ leaseMs: 1_000 });
    const p = await w.pipeline(
      await w.workflow({ source: { connector: 'inline', settings: { records: [{ a: 1 }] } } }),
    );
    // The dead worker: it took the run (lease of 1 s) and never came back.
    const other = createCore({ storage: w.storage, hasher, sealer, tokens, clock: w.clock, executor: noExecutor });
    const run = await other.runs.trigger(w.member, p);
    await other.lifecycle.begin(run.id, 1_000);
    expect(await w.executor.startRecovery()).toEqual([]);
    w.clock.advance(1_500);
    const ended = await w.executor.startRecovery();
    expect(ended.map((r) => r.id)).toEqual([run.id]);
    const after = await w.core.runs.get(w.member, run.id);
    expect(after).toMatchObject({ status: 'ERROR', error: INTERRUPTED });
    expect((await w.core.pipelines.get(w.member, p)).lastRun).toMatchObject({ id: run.id, status: 'ERROR' });
    const logs = await w.core.runs.logs(w.member, run.id, { minLevel: 'ERROR' }, { page: 1, size: 10 });
    expect(logs.items[0]!.message).toContain('interrupted');
    // The pipeline can run again.
    expect((await w.run(p)).status).not.toBe('EXECUTING');
  });

  it('aborts a run whose lease was taken over (restarted and begun elsewhere) and leaves the new attempt alone', async () => {
    w = await engineWorld({ heartbeatMs: 20 });
    const { handler, reached } = blockingHandler();
    w.executor.registry.registerHandler('block', handler);
    const run = await w.core.runs.trigger(w.member, await w.pipeline(await w.workflow(blockingWorkflow)));
    await reached;
    // Another process restarted the run (its lease looked expired) and began it under its own holder.
    await w.storage.transaction(async (tx) => {
      const taken = (await tx.runs.findByIdForUpdate(run.id))!;
      taken.restart(w.clock.now());
      taken.start(w.clock.now(), new Date(w.clock.now().getTime() + 60_000), 'elsewhere');
      await tx.runs.update(taken);
    });
    await w.executor.settled(run.id);
    // This executor neither ended nor stopped it: the run is the other holder's.
    expect(await w.core.runs.get(w.member, run.id)).toMatchObject({
      status: 'EXECUTING',
      leaseHolder: 'elsewhere',
      endedAt: null,
    });
    const ended = await w.core.lifecycle.finish(run.id, 'elsewhere', {
      status: 'COMPLETED',
      stages: emptyCounters(),
      files: { total: 0, ok: 0, failed: 0 },
    });
    expect(ended?.status).toBe('COMPLETED');
  });

  it('keeps the lease of a live run renewed, so recovery leaves it alone', async () => {
    w = await engineWorld({ leaseMs: 500, heartbeatMs: 30 });
    const { handler, reached } = blockingHandler();
    w.executor.registry.registerHandler('block', handler);
    const run = await w.core.runs.trigger(w.member, await w.pipeline(await w.workflow(blockingWorkflow)));
    await reached;
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await w.executor.startRecovery()).toEqual([]);
    expect((await w.core.runs.get(w.member, run.id)).status).toBe('EXECUTING');
    await w.core.runs.cancel(w.member, run.id);
    await w.executor.settled(run.id);
  });

  it('saves progress with the heartbeat', async () => {
    w = await engineWorld({ heartbeatMs: 20 });
    const { handler, reached } = blockingHandler();
    w.executor.registry.registerHandler('block', handler);
    const run = await w.core.runs.trigger(w.member, await w.pipeline(await w.workflow(blockingWorkflow)));
    await reached;
    await eventually(async () => (await w.core.runs.get(w.member, run.id)).stages.passed[0] === 3);
    await w.core.runs.cancel(w.member, run.id);
    await w.executor.settled(run.id);
  });

  it('runs at most `concurrency` runs at once; the rest wait PENDING', async () => {
    w = await engineWorld({ concurrency: 1 });
    const { handler, reached } = blockingHandler();
    w.executor.registry.registerHandler('block', handler);
    const first = await w.core.runs.trigger(w.member, await w.pipeline(await w.workflow(blockingWorkflow)));
    const second = await w.core.runs.trigger(
      w.member,
      await w.pipeline(await w.workflow({ source: { connector: 'inline', settings: { records: [{ a: 1 }] } } })),
    );
    await reached;
    expect((await w.core.runs.get(w.member, second.id)).status).toBe('PENDING');
    await w.core.runs.cancel(w.member, first.id);
    await w.executor.settled(second.id);
    expect((await w.core.runs.get(w.member, second.id)).status).toBe('COMPLETED');
  });

  it('drains for shutdown: running and queued runs end as STOPPED', async () => {
    w = await engineWorld({ concurrency: 1 });
    const { handler, reached } = blockingHandler();
    w.executor.registry.registerHandler('block', handler);
    const running = await w.core.runs.trigger(w.member, await w.pipeline(await w.workflow(blockingWorkflow)));
    const queued = await w.core.runs.trigger(w.member, await w.pipeline(await w.workflow(blockingWorkflow)));
    await reached;
    await w.executor.drain(50);
    for (const id of [running.id, queued.id])
      expect(await w.core.runs.get(w.member, id)).toMatchObject({ status: 'STOPPED', error: SHUTDOWN });
    // Submitted after the drain: stopped at once, never left PENDING.
    const late = await w.core.runs.trigger(w.member, await w.pipeline(await w.workflow(blockingWorkflow)));
    expect((await w.core.runs.get(w.member, late.id)).status).toBe('STOPPED');
  });

  it('a run cancelled while queued never starts', async () => {
    w = await engineWorld({ concurrency: 1 });
    const { handler, reached } = blockingHandler();
    w.executor.registry.registerHandler('block', handler);
    const first = await w.core.runs.trigger(w.member, await w.pipeline(await w.workflow(blockingWorkflow)));
    const second = await w.core.runs.trigger(w.member, await w.pipeline(await w.workflow(blockingWorkflow)));
    await reached;
    await w.core.runs.cancel(w.member, second.id);
    await w.core.runs.cancel(w.member, first.id);
    await w.executor.idle();
    expect(await w.core.runs.get(w.member, second.id)).toMatchObject({ status: 'STOPPED', startedAt: null });
  });

  it('saves the cursor batch by batch and keeps it when the run fails midway', async () => {
    w = await engineWorld();
    // A source of three batches with cursors; the destination fails on the third.
    const source: RecordSourceConnector = {
      kind: 'records',
      name: 'counting',
      description: 'test',
      settingsSchema: { type: 'object' },
      async *read(_s, ctx) {
        expect(ctx.incremental).toEqual({ column: 'updated_at', after: null });
        for (let b = 1; b <= 3; b++) yield { records: [{ b }], cursor: `2026-01-0${b}` };
      },
    };
    let writes = 0;
    w.executor.registry.registerSource(source).registerDestination({
      name: 'flaky',
      description: 'test',
      settingsSchema: { type: 'object' },
      async open() {
        return {
          async write() {
            if (++writes === 3) throw new Error('connection reset');
            return { failed: [] };
          },
          async close() {},
        };
      },
    });
    const p = await w.pipeline(
      await w.workflow({
        source: { connector: 'counting', settings: {} },
        destination: { connector: 'flaky', settings: {} },
      }),
      { updatedAtColumn: 'updated_at' },
    );
    const run = await w.run(p, { incremental: true });
    expect(run).toMatchObject({ status: 'ERROR', error: 'destination "flaky" failed: connection reset' });
    // The third batch was read and went through the stages, but the write failed.
    expect(run.stages).toEqual({ passed: [3, 3, 3, 3, 3, 2], failed: [0, 0, 0, 0, 0, 1] });
    expect((await w.core.pipelines.get(w.member, p)).cursor).toBe('2026-01-02');
  });

  it('ends the run as ERROR with a clear message when the source fails', async () => {
    w = await engineWorld();
    w.executor.registry.registerSource({
      kind: 'records',
      name: 'broken',
      description: 'test',
      settingsSchema: { type: 'object' },
      async *read() {
        throw new Error('connect ECONNREFUSED 127.0.0.1:1');
      },
    });
    const run = await w.run(await w.pipeline(await w.workflow({ source: { connector: 'broken', settings: {} } })));
    expect(run).toMatchObject({ status: 'ERROR', error: 'source "broken" failed: connect ECONNREFUSED 127.0.0.1:1' });
  });

  it('passes the handler context (run, workflow, signal) to handlers', async () => {
    w = await engineWorld();
    const seen: HandlerContext[] = [];
    w.executor.registry.registerHandler('spy', (r, ctx) => (seen.push(ctx), r));
    const wf = await w.workflow({
      source: { connector: 'inline', settings: { records: [{ a: 1 }] } },
      stages: { transformation: { handler: 'spy' } },
    });
    const run = await w.run(await w.pipeline(wf));
    expect(seen[0]).toMatchObject({ runId: run.id, workflowId: wf, file: null });
  });
});
