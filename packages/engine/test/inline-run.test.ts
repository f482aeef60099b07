import { engineWorld, type EngineWorld } from './support/harness.js';

describe('a run of inline records through the six stages', () => {
  let w: EngineWorld;
  beforeEach(async () => {
    w = await engineWorld();
  });
  afterEach(() => w.close());

  it('counts passed and failed per stage as Meergo does (6,029 records, 55 filtered out)', async () => {
    const records = Array.from({ length: 6029 }, (_, i) => ({
      id: i,
      country: i % 109 === 0 ? 'XX' : 'IT',
      amount: i,
    }));
    expect(records.filter((r) => r.country === 'XX')).toHaveLength(56);
    // 56 multiples of 109 below 6029 (0 … 5995); id 0 stays in so exactly 55 are filtered out.
    const wf = await w.workflow({
      source: { connector: 'inline', settings: {} },
      stages: { filter: "country != 'XX' or id = 0", transformation: '{"id": id, "total": amount * 2}' },
      destination: { connector: 'none', settings: {} },
    });
    const run = await w.run(await w.pipeline(wf), { input: records });
    expect(run.status).toBe('COMPLETED');
    expect(run.stages).toEqual({ passed: [6029, 6029, 5974, 5974, 5974, 5974], failed: [0, 0, 55, 0, 0, 0] });
    expect(run.error).toBeNull();
  });

  it('fails records at the stage that rejects them, and they go no further', async () => {
    w.executor.registry.registerHandler('explode-on-7', (r) => {
      if ((r as { id: number }).id === 7) throw new Error('boom');
      return { ...(r as object), seen: true };
    });
    const wf = await w.workflow({
      source: {
        connector: 'inline',
        settings: { records: [...Array.from({ length: 10 }, (_, id) => ({ id })), 'not an object', { id: 'x' }] },
      },
      stages: {
        inputSchema: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
        filter: 'id != 3',
        transformation: { handler: 'explode-on-7' },
        outputSchema: { type: 'object', properties: { id: { type: 'integer', maximum: 8 } } },
      },
      destination: null,
    });
    const run = await w.run(await w.pipeline(wf));
    expect(run.status).toBe('COMPLETED');
    // 12 given: 1 unreadable; 'x' fails input; 3 filtered; 7 throws; 9 > 8 fails output.
    expect(run.stages).toEqual({ passed: [11, 10, 9, 8, 7, 7], failed: [1, 1, 1, 1, 1, 0] });
    const logs = await w.core.runs.logs(w.member, run.id, { minLevel: 'WARN' }, { page: 1, size: 100 });
    expect(logs.items.map((l) => l.stage)).toEqual(
      expect.arrayContaining(['Receive', 'InputValidation', 'Transformation', 'OutputValidation']),
    );
    expect(logs.items.find((l) => l.stage === 'Transformation')!.message).toContain('boom');
    // Filtered-out records are not problems: they are logged at DEBUG only.
    expect(logs.items.some((l) => l.stage === 'Filter')).toBe(false);
  });

  it('completes with zero records when the workflow has no source', async () => {
    const run = await w.run(await w.pipeline(await w.workflow({})));
    expect(run.status).toBe('COMPLETED');
    expect(run.stages).toEqual({ passed: [0, 0, 0, 0, 0, 0], failed: [0, 0, 0, 0, 0, 0] });
  });

  it('records who triggered the run and updates the pipeline bookkeeping', async () => {
    const p = await w.pipeline(
      await w.workflow({ source: { connector: 'inline', settings: { records: [{ a: 1 }] } } }),
    );
    const run = await w.run(p);
    const again = await w.run(p);
    expect(run.triggeredBy).toBe(w.member.userId);
    const pipeline = await w.core.pipelines.get(w.member, p);
    expect(pipeline.runCount).toBe(2);
    expect(pipeline.lastRun).toMatchObject({ id: again.id, status: 'COMPLETED' });
  });

  it('logs per run, queryable with a minimum level', async () => {
    const run = await w.run(
      await w.pipeline(await w.workflow({ source: { connector: 'inline', settings: { records: [{ a: 1 }, 2] } } })),
    );
    const all = await w.core.runs.logs(w.member, run.id, {}, { page: 1, size: 100 });
    const warn = await w.core.runs.logs(w.member, run.id, { minLevel: 'WARN' }, { page: 1, size: 100 });
    expect(all.items.map((l) => l.level)).toEqual(expect.arrayContaining(['DEBUG', 'INFO', 'WARN']));
    expect(warn.items.every((l) => l.level === 'WARN' || l.level === 'ERROR')).toBe(true);
    expect(warn.items).toHaveLength(1);
    expect(all.items.at(-1)!.message).toMatch(
      /^Run COMPLETED: passed \[1, 1, 1, 1, 1, 1\], failed \[1, 0, 0, 0, 0, 0\]/,
    );
    for (const l of all.items) {
      expect(l).toMatchObject({ runId: run.id, fileExecutionId: null });
      expect(Number.isFinite(l.time.getTime())).toBe(true);
    }
  });
});
