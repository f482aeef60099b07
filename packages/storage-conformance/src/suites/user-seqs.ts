import { describe, expect, it } from '@jest/globals';
import { MAX_SEQ } from '@pipewright/core';
import { useStorage, type StorageFactory } from '../harness.js';

/** Users' int ids (Unstract shows user ids as integers and takes them on input). */
export function userSeqsSuite(factory: StorageFactory): void {
  describe('user int ids', () => {
    const ctx = useStorage(factory);

    it('reserves distinct increasing ids and keeps each user’s', async () => {
      const first = await ctx.storage.users.nextSeq();
      const second = await ctx.storage.users.nextSeq();
      expect(second).toBeGreaterThan(first);
      const a = await ctx.fx.user({ name: 'a' });
      const b = await ctx.fx.user({ name: 'b' });
      expect(b.seq).toBeGreaterThan(a.seq);
      expect((await ctx.storage.users.findById(a.id))?.seq).toBe(a.seq);
      expect((await ctx.storage.users.findByEmail(b.email))?.seq).toBe(b.seq);
      expect((await ctx.storage.users.findByIds([a.id, b.id])).map((u) => u.seq).sort((x, y) => x - y)).toEqual([
        a.seq,
        b.seq,
      ]);
    });

    it('finds users by int id, skipping unknown and out-of-range ids', async () => {
      const org = await ctx.fx.org();
      const a = await ctx.fx.memberUser(org, { name: 'a' });
      const b = await ctx.fx.memberUser(org, { name: 'b' });
      const found = await ctx.storage.users.findBySeqs([b.seq, a.seq, a.seq, MAX_SEQ, 0, -1, 1.5]);
      expect(found.map((u) => u.id).sort()).toEqual([a.id, b.id].sort());
      expect(await ctx.storage.users.findBySeqs([])).toEqual([]);
      const members = await ctx.storage.users.listByOrg(org.id, { page: 1, size: 10 });
      expect(members.items.map(({ user }) => user.seq).sort((x, y) => x - y)).toEqual(
        [a.seq, b.seq].sort((x, y) => x - y),
      );
    });
  });
}
