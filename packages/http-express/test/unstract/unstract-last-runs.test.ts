import { Pipeline, Run, type Actor, type Core, type Filter, type RunQuery } from '@pipewright/core';
import { lastRunsOf } from '../../src/unstract/unstract-last-runs.js';

const actor: Actor = { kind: 'user', userId: 'u', orgId: 'o', role: 'admin' };

function pipeline(id: string, runCount: number): Pipeline {
  const p = Pipeline.create({ id, seq: 1, orgId: 'o', name: id, workflowId: 'w', ownerId: 'u', now: new Date(0) });
  return Pipeline.restore({ ...p.toState(), runCount });
}

/** A fake runs service over `runs`, honouring the two `oneof` conditions the loader sends; it records the queries. */
function fakeCore(runs: Run[]) {
  const queries: RunQuery[] = [];
  const core = {
    runs: {
      async list(_actor: Actor, q: RunQuery) {
        queries.push(q);
        const cond = (field: string) => (q.required ?? []).find((f: Filter) => f.field === field)!.value as unknown[];
        const items = runs.filter((r) => cond('pipelineId').includes(r.pipelineId) && cond('index').includes(r.toState().index));
        return { items: items.slice(0, q.page.size), total: items.length };
      },
    },
  } as unknown as Core;
  return { core, queries };
}

function runsOf(p: Pipeline): Run[] {
  return Array.from({ length: p.runCount }, (_, i) => {
    const r = Run.create({ id: `${p.id}-${i + 1}`, seq: 1, orgId: 'o', pipelineId: p.id, workflowId: 'w', index: i + 1, trigger: 'manual', triggeredBy: 'u', now: new Date(i * 1000) });
    return r;
  });
}

describe('last_5_run_statuses loading', () => {
  it('loads the last five runs of each pipeline of a page in one query, oldest first', async () => {
    const page = [pipeline('a', 7), pipeline('b', 2), pipeline('c', 0), pipeline('d', 5)];
    const { core, queries } = fakeCore(page.flatMap(runsOf));
    const result = await lastRunsOf(core, actor, page);
    expect(queries).toHaveLength(1);
    expect(result.get('a')!.map((r) => r.id)).toEqual(['a-3', 'a-4', 'a-5', 'a-6', 'a-7']);
    expect(result.get('b')!.map((r) => r.id)).toEqual(['b-1', 'b-2']);
    expect(result.get('c')).toEqual([]);
    expect(result.get('d')!.map((r) => r.id)).toEqual(['d-1', 'd-2', 'd-3', 'd-4', 'd-5']);
  });

  it('splits a page whose query could match more rows than one page holds, so none is cut short', async () => {
    // 1000 pipelines with distinct run counts: the union of their last indexes is large.
    const page = Array.from({ length: 1000 }, (_, i) => pipeline(`p${i}`, 5 + i * 5));
    const { core, queries } = fakeCore([]);
    await lastRunsOf(core, actor, page);
    expect(queries.length).toBeGreaterThan(1);
    for (const q of queries) {
      const ids = (q.required!.find((f) => f.field === 'pipelineId')!.value as string[]).map((id) => page.find((p) => p.id === id)!);
      const indexes = q.required!.find((f) => f.field === 'index')!.value as number[];
      const bound = ids.reduce((n, p) => n + indexes.filter((i) => i <= p.runCount).length, 0);
      expect(bound).toBeLessThanOrEqual(q.page.size);
    }
    expect(queries.flatMap((q) => q.required!.find((f) => f.field === 'pipelineId')!.value as string[])).toHaveLength(1000);
  });
});
