import { describe, expect, it } from '@jest/globals';
import { at, uuid } from '../fixtures.js';
import { useStorage, type StorageFactory } from '../harness.js';

/** The last runs of each pipeline of a page (Unstract's `last_5_run_statuses`), in one read. */
export function lastRunsSuite(factory: StorageFactory): void {
  describe('last runs per pipeline', () => {
    const ctx = useStorage(factory);

    it('returns the last n runs by index of each pipeline, oldest first, and nothing of others', async () => {
      const org = await ctx.fx.org();
      const owner = await ctx.fx.memberUser(org);
      const workflow = await ctx.fx.workflow(org, owner);
      const busy = await ctx.fx.pipeline(org, owner, workflow);
      const few = await ctx.fx.pipeline(org, owner, workflow);
      const idle = await ctx.fx.pipeline(org, owner, workflow);
      const other = await ctx.fx.pipeline(org, owner, workflow);
      // Indexes 1..7 inserted out of order, with times that do not follow the index.
      const busyRuns = new Map<number, string>();
      for (const index of [3, 1, 7, 5, 2, 6, 4])
        busyRuns.set(
          index,
          (await ctx.fx.run({ org, pipeline: busy, index, status: 'COMPLETED', createdAt: at(10 - index) })).id,
        );
      const fewRuns = [
        (await ctx.fx.run({ org, pipeline: few, index: 1, status: 'ERROR' })).id,
        (await ctx.fx.run({ org, pipeline: few, index: 2, status: 'PENDING' })).id,
      ];
      await ctx.fx.run({ org, pipeline: other, index: 9, status: 'COMPLETED' });
      await ctx.fx.run({ org, workflow, pipeline: null, status: 'COMPLETED' });

      const missing = uuid();
      const last = await ctx.storage.runs.lastPerPipeline([busy.id, few.id, idle.id, missing], 5);
      expect([...last.keys()].sort()).toEqual([busy.id, few.id, idle.id, missing].sort());
      expect(last.get(busy.id)!.map((r) => r.index)).toEqual([3, 4, 5, 6, 7]);
      expect(last.get(busy.id)!.map((r) => r.id)).toEqual([3, 4, 5, 6, 7].map((i) => busyRuns.get(i)));
      expect(last.get(few.id)!.map((r) => r.id)).toEqual(fewRuns);
      expect(last.get(few.id)!.map((r) => r.status)).toEqual(['ERROR', 'PENDING']);
      expect(last.get(idle.id)).toEqual([]);
      expect(last.get(missing)).toEqual([]);
      expect((await ctx.storage.runs.lastPerPipeline([busy.id], 2)).get(busy.id)!.map((r) => r.index)).toEqual([6, 7]);
      expect((await ctx.storage.runs.lastPerPipeline([], 5)).size).toBe(0);
    });
  });
}
