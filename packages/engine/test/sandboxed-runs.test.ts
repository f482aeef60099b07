import { CANCELLED } from '@pipewright/core';
import { engineWorld, eventually, type EngineWorld } from './support/harness.js';

// The filter: asks V8 for a string over its size limit, which aborts a whole process.
const MEMORY_BOMB = '($d := function($s,$n){ $n = 0 ? $s : $d($s & $s, $n-1) }; $count($split($d("a", 28), "")) > 0)';
// Slow, not big: a range of 10^6 per record (~190 ms each here, freed between records), so a
// batch of 500 is far past its 3 s limit (a range of 10^7 met the memory limit first in CI).
const TIME_BOMB = '$count([1..1e6]) > 0';
const ENDLESS = '($f := function($x){ $f($x) }; $f(1))';

const inline = (records: unknown[]) => ({ connector: 'inline', settings: { records } });

/** A workflow whose records pass and fail every stage (in the sandbox, and in the handler on this thread). */
const mixedWorkflow = {
  source: inline([
    ...Array.from({ length: 40 }, (_, n) => ({ n, name: n % 11 === 0 ? 7 : `name-${n}` })),
    'not an object',
  ]),
  stages: {
    inputSchema: {
      type: 'object',
      required: ['n', 'name'],
      properties: { name: { type: 'string', pattern: '^name-\\d+$' } },
    },
    filter: 'n % 3 != 0',
    transformation: { handler: 'tag' },
    outputSchema: { type: 'object', required: ['tagged'], properties: { n: { maximum: 35 } } },
  },
  destination: null,
};

function tag(record: unknown): unknown {
  const r = record as { n: number };
  if (r.n % 7 === 0) throw new Error(`no sevens (${r.n})`);
  return r.n % 5 === 0 ? { ...r } : { ...r, tagged: `#${r.n}` };
}

const LIMIT_ERROR =
  /^The stages (ran out of memory \(limit 128 MB\)|took longer than 3 s for one batch); the run was stopped\.$/;

describe('runs with the stage sandbox', () => {
  let w: EngineWorld;
  beforeAll(async () => {
    w = await engineWorld({ sandbox: { size: 2, heapMb: 128, batchTimeoutMs: 3_000 } });
    w.executor.registry.registerHandler('tag', tag);
    w.executor.warm();
  });
  afterAll(() => w.close());

  it('gives the same stage counters and output as the in-thread run', async () => {
    const inThread = await engineWorld();
    try {
      inThread.executor.registry.registerHandler('tag', tag);
      const expected = await inThread.run(await inThread.pipeline(await inThread.workflow(mixedWorkflow)));
      const run = await w.run(await w.pipeline(await w.workflow(mixedWorkflow)));
      expect(expected.status).toBe('COMPLETED');
      expect(run).toMatchObject({ status: 'COMPLETED', error: null, stages: expected.stages });
      // Every stage passed and failed some.
      expect(run.stages.failed.slice(0, 5).every((n) => n > 0)).toBe(true);
      const transformed = await w.run(
        await w.pipeline(
          await w.workflow({
            source: inline([{ a: 1 }, { a: 2 }]),
            stages: { filter: 'a > 1', transformation: '{"b": a * 10}' },
          }),
        ),
      );
      expect(transformed).toMatchObject({
        status: 'COMPLETED',
        stages: { passed: [2, 2, 1, 1, 1, 1], failed: [0, 0, 1, 0, 0, 0] },
      });
    } finally {
      await inThread.close();
    }
  });

  it('ends a run whose filter blows the memory limit as ERROR (not retried); the next run completes', async () => {
    const p = await w.pipeline(await w.workflow({ source: inline([{ a: 1 }]), stages: { filter: MEMORY_BOMB } }), {
      retry: { maxAttempts: 3, backoffSeconds: 0 },
    });
    const run = await w.run(p);
    // Out of memory, or (on a loaded machine, building the string first) out of time: a limit either way.
    expect(run).toMatchObject({ status: 'ERROR', error: expect.stringMatching(LIMIT_ERROR), attempt: 1 });
    const logs = await w.core.runs.logs(w.member, run.id, { minLevel: 'ERROR' }, { page: 1, size: 100 });
    expect(logs.items.map((l) => l.message)).toContainEqual(expect.stringMatching(LIMIT_ERROR));
    const sane = await w.run(
      await w.pipeline(await w.workflow({ source: inline([{ a: 1 }, { a: 2 }]), stages: { filter: 'a > 1' } })),
    );
    expect(sane).toMatchObject({ status: 'COMPLETED', stages: { passed: [2, 2, 1, 1, 1, 1] } });
  });

  it('ends a run whose filter takes too long for one batch as ERROR, with the time limit', async () => {
    const records = Array.from({ length: 2000 }, (_, n) => ({ n }));
    const run = await w.run(
      await w.pipeline(await w.workflow({ source: inline(records), stages: { filter: TIME_BOMB } })),
    );
    expect(run).toMatchObject({
      status: 'ERROR',
      error: 'The stages took longer than 3 s for one batch; the run was stopped.',
    });
  });

  it('stops a sandboxed run within 1 s of a cancel (the child is ended)', async () => {
    const run = await w.core.runs.trigger(
      w.member,
      await w.pipeline(await w.workflow({ source: inline([{ a: 1 }]), stages: { filter: ENDLESS } })),
    );
    await eventually(async () => (await w.core.runs.get(w.member, run.id)).status === 'EXECUTING');
    // Inside the endless filter by now (a warm child starts a batch in a few ms).
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    await w.core.runs.cancel(w.member, run.id);
    await w.executor.settled(run.id);
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(await w.core.runs.get(w.member, run.id)).toMatchObject({ status: 'STOPPED', error: CANCELLED });
  });
});
