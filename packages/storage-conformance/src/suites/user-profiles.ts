import { describe, expect, it } from '@jest/globals';
import { useStorage, type StorageFactory } from '../harness.js';

/** What users show of themselves (ZenML's `full_name`, `email_opted_in`, `user_metadata`). */
export function userProfilesSuite(factory: StorageFactory): void {
  describe('user profiles', () => {
    const ctx = useStorage(factory);

    it('starts empty and keeps a saved profile, metadata merged', async () => {
      const user = await ctx.fx.user({ name: 'a' });
      const fresh = await ctx.storage.users.findById(user.id);
      expect({ optedIn: fresh?.emailOptedIn, metadata: fresh?.metadata }).toEqual({ optedIn: false, metadata: {} });
      fresh!.updateProfile(
        { name: 'Ada', emailOptedIn: true, metadata: { awareness_channels: ['Friend'], nested: { a: 1 } } },
        new Date(),
      );
      await ctx.storage.users.update(fresh!);
      const saved = await ctx.storage.users.findById(user.id);
      saved!.updateProfile({ metadata: { overview_tour_done: true } }, new Date());
      await ctx.storage.users.update(saved!);
      const read = await ctx.storage.users.findByEmail(user.email);
      expect({ name: read?.name, optedIn: read?.emailOptedIn, metadata: read?.metadata }).toEqual({
        name: 'Ada',
        optedIn: true,
        metadata: { awareness_channels: ['Friend'], nested: { a: 1 }, overview_tour_done: true },
      });
    });

    it('queries an organization’s members by name, email, flags and role, sorted and paged', async () => {
      const org = await ctx.fx.org();
      const ada = await ctx.fx.memberUser(org, { name: 'ada' });
      const bob = await ctx.fx.memberUser(org, { name: 'bob' });
      await ctx.fx.user({ name: 'adam' }); // not a member
      const loaded = await ctx.storage.users.findById(bob.id);
      loaded!.updateProfile({ emailOptedIn: true }, new Date());
      await ctx.storage.users.update(loaded!);
      const page = { page: 1, size: 10 };
      const ids = async (q: Partial<Parameters<typeof ctx.storage.users.queryMembers>[1]>) =>
        (
          await ctx.storage.users.queryMembers(org.id, {
            filters: [],
            logical: 'and',
            sort: [{ field: 'email', direction: 'asc' }],
            page,
            ...q,
          })
        ).items.map(({ user }) => user.id);
      expect(await ids({ filters: [{ field: 'email', op: 'contains', value: ada.email.slice(0, 4) }] })).toEqual([
        ada.id,
      ]);
      expect(await ids({ filters: [{ field: 'emailOptedIn', op: 'equals', value: true }] })).toEqual([bob.id]);
      expect(
        await ids({
          filters: [
            { field: 'id', op: 'equals', value: ada.id },
            { field: 'id', op: 'equals', value: bob.id },
          ],
          logical: 'or',
        }),
      ).toHaveLength(2);
      expect(await ids({ sort: [{ field: 'email', direction: 'desc' }] })).toEqual(
        [ada, bob].sort((x, y) => (x.email < y.email ? 1 : -1)).map((x) => x.id),
      );
      const first = await ctx.storage.users.queryMembers(org.id, {
        filters: [],
        logical: 'and',
        sort: [{ field: 'createdAt', direction: 'asc' }],
        page: { page: 1, size: 1 },
      });
      expect(first.total).toBe(2);
      expect(first.items).toHaveLength(1);
    });
  });
}
