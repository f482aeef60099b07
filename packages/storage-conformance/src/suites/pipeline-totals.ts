import { describe, expect, it } from '@jest/globals';
import { query, type Pipeline, type PipelineQuery } from '@pipewright/core';
import { adminView, userView } from '../fixtures.js';
import { useStorage, type StorageFactory } from '../harness.js';

/** Exact totals of full pages (adapters may keep counters: they must follow every change). */
export function pipelineTotalsSuite(factory: StorageFactory): void {
  describe('pipeline totals', () => {
    const ctx = useStorage(factory);
    const firstPage = query({ page: { page: 1, size: 2 } }) as PipelineQuery;
    const totalOf = async (orgId: string) => (await ctx.storage.pipelines.list(adminView(orgId), firstPage)).total;

    it('an unfiltered list counts every insert, delete and nothing rolled back', async () => {
      const org = await ctx.fx.org();
      const other = await ctx.fx.org();
      const owner = await ctx.fx.memberUser(org);
      const workflow = await ctx.fx.workflow(org, owner);
      expect(await totalOf(org.id)).toBe(0);
      const made: Pipeline[] = [];
      for (let i = 0; i < 5; i++) made.push(await ctx.fx.pipeline(org, owner, workflow));
      expect(await totalOf(org.id)).toBe(5);
      expect(await totalOf(other.id)).toBe(0);

      await ctx.storage.pipelines.delete(made[0]!.id);
      expect(await totalOf(org.id)).toBe(4);

      const extra = await ctx.fx.buildPipeline(org, owner, workflow);
      await expect(
        ctx.storage.transaction(async (tx) => {
          await tx.pipelines.insert(extra);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect(await totalOf(org.id)).toBe(4);
      expect(
        (await ctx.storage.pipelines.list(adminView(org.id), query({ page: { page: 3, size: 2 } }) as PipelineQuery))
          .total,
      ).toBe(4);

      // A member's total counts only what they see; a filter counts its matches.
      const friend = await ctx.fx.memberUser(org);
      expect((await ctx.storage.pipelines.list(userView(org.id, friend.id), firstPage)).total).toBe(0);
      const named = query({
        filters: [{ field: 'name', op: 'equals', value: made[1]!.name }],
        page: { page: 1, size: 1 },
      }) as PipelineQuery;
      expect((await ctx.storage.pipelines.list(adminView(org.id), named)).total).toBe(1);
    });
  });
}
