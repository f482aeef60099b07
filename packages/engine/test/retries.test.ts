import type { Run } from '@pipewright/core';
import { RetryableError, SHUTDOWN, type RecordSourceConnector } from '@pipewright/engine';
import { engineWorld, eventually, type EngineWorld } from './support/harness.js';

/** A connection refused, as node reports it. */
function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5439'), { code: 'ECONNREFUSED' });
}

/** A record source that throws `failure()` on its first `failures` reads, then yields two records. */
function flakySource(failures: number, failure: () => Error = refused): RecordSourceConnector & { reads: number } {
  const source = {
    kind: 'records' as const,
    name: 'flaky',
    description: 'fails, then reads',
    settingsSchema: { type: 'object' },
    reads: 0,
    async *read() {
      source.reads++;
      if (source.reads <= failures) throw failure();
      yield { records: [{ n: 1 }, { n: 2 }] };
    },
  };
  return source;
}

const flakyWorkflow = {
  source: { connector: 'flaky', settings: {} },
  destination: { connector: 'none', settings: {} },
};

describe('retries of runs that fail with a retryable error', () => {
  let w: EngineWorld;
  afterEach(() => w.close());

  const messages = async (run: Run) =>
    (await w.core.runs.logs(w.member, run.id, { minLevel: 'INFO' }, { page: 1, size: 100 })).items.map(
      (l) => l.message,
    );

  it('re-executes the same run from the start after the backoff until an attempt succeeds', async () => {
    w = await engineWorld();
    const source = flakySource(2);
    w.executor.registry.registerSource(source);
    const pipeline = await w.pipeline(await w.workflow(flakyWorkflow), {
      retry: { maxAttempts: 3, backoffSeconds: 0 },
    });
    const run = await w.run(pipeline);
    expect(run).toMatchObject({ status: 'COMPLETED', attempt: 3, error: null });
    expect(run.stages).toEqual({ passed: [2, 2, 2, 2, 2, 2], failed: [0, 0, 0, 0, 0, 0] }); // counters of the last attempt only
    expect(source.reads).toBe(3);
    const log = await messages(run);
    const failed = 'source "flaky" failed: connect ECONNREFUSED 127.0.0.1:5439';
    expect(log).toEqual(
      expect.arrayContaining([
        `Attempt 1 of 3 failed: ${failed} (retryable); retrying in 0 s.`,
        'Attempt 2 of 3.',
        `Attempt 2 of 3 failed: ${failed} (retryable); retrying in 0 s.`,
        'Attempt 3 of 3.',
      ]),
    );
    expect(log.at(-1)).toMatch(/^Run COMPLETED/);
    expect(log.filter((m) => m.startsWith('Run started'))).toHaveLength(3);
    const p = await w.core.pipelines.get(w.member, pipeline);
    expect(p.runCount).toBe(1);
    expect(p.lastRun).toMatchObject({ id: run.id, status: 'COMPLETED' });
  });

  it('ends ERROR with the last message when the attempts run out', async () => {
    w = await engineWorld();
    let n = 0;
    const source = flakySource(Infinity, () => Object.assign(new Error(`timeout ${++n}`), { code: 'ETIMEDOUT' }));
    w.executor.registry.registerSource(source);
    const run = await w.run(
      await w.pipeline(await w.workflow(flakyWorkflow), { retry: { maxAttempts: 2, backoffSeconds: 0 } }),
    );
    expect(run).toMatchObject({ status: 'ERROR', attempt: 2, error: 'source "flaky" failed: timeout 2' });
    expect(source.reads).toBe(2);
    const log = await messages(run);
    expect(log).toContain('Attempt 1 of 2 failed: source "flaky" failed: timeout 1 (retryable); retrying in 0 s.');
    expect(log).toContain('Attempt 2 of 2 failed: source "flaky" failed: timeout 2 (retryable); no attempts left.');
    expect(log.at(-1)).toMatch(/^Run ERROR \(source "flaky" failed: timeout 2\)/);
  });

  it('does not retry a failure that is not retryable (bad settings, missing table)', async () => {
    w = await engineWorld();
    const source = flakySource(Infinity, () =>
      Object.assign(new Error('relation "nope" does not exist'), { code: '42P01' }),
    );
    w.executor.registry.registerSource(source);
    const run = await w.run(
      await w.pipeline(await w.workflow(flakyWorkflow), { retry: { maxAttempts: 3, backoffSeconds: 0 } }),
    );
    expect(run).toMatchObject({
      status: 'ERROR',
      attempt: 1,
      error: 'source "flaky" failed: relation "nope" does not exist',
    });
    expect(source.reads).toBe(1);
    expect(await messages(run)).toContain(
      'Attempt 1 of 3 failed: source "flaky" failed: relation "nope" does not exist (not retryable); no retry.',
    );
  });

  it('does not retry by default (one attempt), and says nothing about attempts', async () => {
    w = await engineWorld();
    const source = flakySource(1);
    w.executor.registry.registerSource(source);
    const run = await w.run(await w.pipeline(await w.workflow(flakyWorkflow)));
    expect(run).toMatchObject({ status: 'ERROR', attempt: 1 });
    expect(source.reads).toBe(1);
    expect((await messages(run)).some((m) => m.startsWith('Attempt'))).toBe(false);
  });

  it('retries a connector that says so itself (RetryableError)', async () => {
    w = await engineWorld();
    const source = flakySource(1, () => new RetryableError('the API said: try again later'));
    w.executor.registry.registerSource(source);
    const run = await w.run(
      await w.pipeline(await w.workflow(flakyWorkflow), { retry: { maxAttempts: 2, backoffSeconds: 0 } }),
    );
    expect(run).toMatchObject({ status: 'COMPLETED', attempt: 2 });
  });

  it('waits the backoff, holding the PENDING run with its lease, then runs it again', async () => {
    w = await engineWorld({ heartbeatMs: 50 });
    const source = flakySource(1);
    w.executor.registry.registerSource(source);
    const pipeline = await w.pipeline(await w.workflow(flakyWorkflow), {
      retry: { maxAttempts: 2, backoffSeconds: 1 },
    });
    const started = Date.now();
    const trigger = await w.core.runs.trigger(w.member, pipeline);
    await eventually(async () => (await w.core.runs.get(w.member, trigger.id)).attempt === 2);
    const waiting = await w.core.runs.get(w.member, trigger.id);
    expect(waiting).toMatchObject({ status: 'PENDING', startedAt: null });
    expect(waiting.leaseExpiresAt!.getTime()).toBeGreaterThan(Date.now());
    expect((await w.core.pipelines.get(w.member, pipeline)).lastRun?.status).toBe('PENDING');
    // Recovery leaves a waiting run alone: its lease is renewed.
    await new Promise((r) => setTimeout(r, 300));
    expect(await w.core.lifecycle.recoverExpired()).toEqual([]);
    await w.executor.settled(trigger.id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(await w.core.runs.get(w.member, trigger.id)).toMatchObject({ status: 'COMPLETED', attempt: 2 });
  });

  it('stops a run cancelled during the backoff at once, and never runs it again', async () => {
    w = await engineWorld();
    const source = flakySource(1);
    w.executor.registry.registerSource(source);
    const pipeline = await w.pipeline(await w.workflow(flakyWorkflow), {
      retry: { maxAttempts: 3, backoffSeconds: 60 },
    });
    const run = await w.core.runs.trigger(w.member, pipeline);
    await eventually(
      async () =>
        (await w.core.runs.get(w.member, run.id)).status === 'PENDING' &&
        (await w.core.runs.get(w.member, run.id)).attempt === 2,
    );
    const asked = Date.now();
    const cancelled = await w.core.runs.cancel(w.admin, run.id);
    expect(cancelled).toMatchObject({ status: 'STOPPED', cancelledBy: w.admin.userId, attempt: 2 });
    await w.executor.settled(run.id);
    expect(Date.now() - asked).toBeLessThan(1_000);
    expect(source.reads).toBe(1);
    expect((await w.core.pipelines.get(w.member, pipeline)).lastRun?.status).toBe('STOPPED');
    await w.run(pipeline); // the pipeline is free again
  });

  it('drops a waiting run cancelled by another process when its lease renewal answers stop', async () => {
    w = await engineWorld({ heartbeatMs: 20 });
    w.executor.registry.registerSource(flakySource(1));
    const run = await w.core.runs.trigger(
      w.member,
      await w.pipeline(await w.workflow(flakyWorkflow), { retry: { maxAttempts: 2, backoffSeconds: 60 } }),
    );
    await eventually(async () => (await w.core.runs.get(w.member, run.id)).attempt === 2);
    // Stopped in storage by someone whose executor does not hold the run.
    await w.storage.transaction(async (tx) => {
      const r = (await tx.runs.findByIdForUpdate(run.id))!;
      r.requestCancel(w.admin.userId, new Date());
      await tx.runs.update(r);
    });
    await w.executor.settled(run.id); // well before the 60 s backoff
    expect((await w.core.runs.get(w.member, run.id)).status).toBe('STOPPED');
  });

  it('ends a waiting run as STOPPED on shutdown', async () => {
    w = await engineWorld();
    w.executor.registry.registerSource(flakySource(1));
    const run = await w.core.runs.trigger(
      w.member,
      await w.pipeline(await w.workflow(flakyWorkflow), { retry: { maxAttempts: 2, backoffSeconds: 60 } }),
    );
    await eventually(async () => (await w.core.runs.get(w.member, run.id)).attempt === 2);
    await w.executor.drain(1_000);
    expect(await w.core.runs.get(w.member, run.id)).toMatchObject({ status: 'STOPPED', error: SHUTDOWN, attempt: 2 });
  });

  it('retries a postgres source whose server refuses the connection', async () => {
    w = await engineWorld();
    const wf = await w.workflow({
      // Port 1: nothing listens there, the connection is refused at once.
      source: {
        connector: 'postgres',
        connection: await w.connection('postgres', { connectionString: 'postgres://nobody@127.0.0.1:1/none' }),
        settings: { table: 'rows' },
      },
      destination: { connector: 'none', settings: {} },
    });
    const started = Date.now();
    const run = await w.run(await w.pipeline(wf, { retry: { maxAttempts: 2, backoffSeconds: 1 } }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(run).toMatchObject({ status: 'ERROR', attempt: 2 });
    expect(run.error).toMatch(/^source "postgres" failed: .*ECONNREFUSED/);
    const log = await messages(run);
    expect(
      log.some((m) =>
        /^Attempt 1 of 2 failed: source "postgres" failed: .*ECONNREFUSED.* \(retryable\); retrying in 1 s\.$/.test(m),
      ),
    ).toBe(true);
    expect(log.some((m) => /^Attempt 2 of 2 failed: .* \(retryable\); no attempts left\.$/.test(m))).toBe(true);
  });
});
