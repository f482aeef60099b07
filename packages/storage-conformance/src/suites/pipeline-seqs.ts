import { describe, expect, it } from '@jest/globals';
import { adminView, at, userView } from '../fixtures.js';
import { useStorage, type StorageFactory } from '../harness.js';

/** Int ids of a batch of pipelines, as visible (how a dialect showing int ids resolves runs' pipelines). */
export function pipelineSeqsSuite(factory: StorageFactory): void {
  describe('pipeline int ids by id', () => {
    const ctx = useStorage(factory);

    it('answers the seq of each visible id, leaving out unknown, hidden and malformed ids', async () => {
      const org = await ctx.fx.org();
      const other = await ctx.fx.org();
      const owner = await ctx.fx.memberUser(org);
      const friend = await ctx.fx.memberUser(org);
      const workflow = await ctx.fx.workflow(org, owner);
      const a = await ctx.fx.pipeline(org, owner, workflow, { name: 'a' });
      const b = await ctx.fx.pipeline(org, owner, workflow, { name: 'b' });
      const stranger = await ctx.fx.memberUser(other);
      const foreign = await ctx.fx.pipeline(other, stranger, await ctx.fx.workflow(other, stranger), { name: 'x' });
      const unknown = '00000000-0000-4000-8000-00000000abcd';
      const ids = [a.id, b.id, foreign.id, unknown, 'not-a-uuid', a.id];

      expect(await ctx.storage.pipelines.seqsOf(adminView(org.id), ids)).toEqual(
        new Map([
          [a.id, a.seq],
          [b.id, b.seq],
        ]),
      );
      // A member without sharing sees none; once one is shared with them, that one.
      expect((await ctx.storage.pipelines.seqsOf(userView(org.id, friend.id), ids)).size).toBe(0);
      b.share([friend.id], false, owner.id, at(5));
      await ctx.storage.pipelines.update(b);
      expect(await ctx.storage.pipelines.seqsOf(userView(org.id, friend.id), ids)).toEqual(new Map([[b.id, b.seq]]));
      expect(await ctx.storage.pipelines.seqsOf(userView(org.id, owner.id), [a.id])).toEqual(new Map([[a.id, a.seq]]));
      expect((await ctx.storage.pipelines.seqsOf(adminView(other.id), [a.id, b.id])).size).toBe(0);
      expect((await ctx.storage.pipelines.seqsOf(adminView('not-a-uuid'), [a.id])).size).toBe(0);
      expect((await ctx.storage.pipelines.seqsOf(adminView(org.id), [])).size).toBe(0);
    });
  });
}
