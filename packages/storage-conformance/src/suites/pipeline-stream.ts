import { describe, expect, it } from '@jest/globals';
import { adminView, at, userView } from '../fixtures.js';
import { useStorage, type StorageFactory } from '../harness.js';

/** Reading every visible pipeline by name in keyset batches (whole-collection answers). */
export function pipelineStreamSuite(factory: StorageFactory): void {
  describe('pipeline stream by name', () => {
    const ctx = useStorage(factory);

    async function collect(iterable: AsyncIterable<{ name: string }>): Promise<string[]> {
      const names: string[] = [];
      for await (const p of iterable) names.push(p.name);
      return names;
    }

    it('yields every visible pipeline once, by name, across batch boundaries', async () => {
      const org = await ctx.fx.org();
      const other = await ctx.fx.org();
      const owner = await ctx.fx.memberUser(org);
      const friend = await ctx.fx.memberUser(org);
      const workflow = await ctx.fx.workflow(org, owner);
      const names = ['delta', 'alpha', 'echo', 'bravo', 'charlie', 'foxtrot', 'golf'];
      const pipelines = [];
      for (const name of names) pipelines.push(await ctx.fx.pipeline(org, owner, workflow, { name }));
      const stranger = await ctx.fx.memberUser(other);
      await ctx.fx.pipeline(other, stranger, await ctx.fx.workflow(other, stranger), { name: 'aardvark' });

      const sorted = [...names].sort();
      for (const batchSize of [1, 2, 3, 7, 500])
        expect(await collect(ctx.storage.pipelines.streamByName(adminView(org.id), { batchSize }))).toEqual(sorted);

      // A member sees only what is shared with them, in the same order.
      const shared = pipelines.find((p) => p.name === 'echo')!;
      shared.share([friend.id], false, owner.id, at(5));
      await ctx.storage.pipelines.update(shared);
      expect(await collect(ctx.storage.pipelines.streamByName(userView(org.id, friend.id), { batchSize: 2 }))).toEqual([
        'echo',
      ]);
      expect(await collect(ctx.storage.pipelines.streamByName(adminView(`not-a-uuid`)))).toEqual([]);
    });
  });
}
