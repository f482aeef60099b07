import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  TAG_SORTS,
  Tag,
  type Filter,
  type SortKey,
  type TagField,
  type TagQuery,
  type TagSort,
} from '@pipewright/core';
import { at, uuid } from '../fixtures.js';
import { expectConflict, expectedOrder, nameSet } from '../expectations.js';
import { useStorage, type StorageFactory } from '../harness.js';

const f = (field: TagField, op: Filter['op'], value?: Filter['value']): Filter<TagField> =>
  value === undefined ? { field, op } : { field, op, value };

/** Tags: lookups, name uniqueness per org, filters, sorting, and how many pipelines carry each. */
export function tagSuite(factory: StorageFactory): void {
  describe('tags', () => {
    const ctx = useStorage(factory);

    async function world() {
      const org = await ctx.fx.org();
      const owner = await ctx.fx.memberUser(org);
      return { org, owner };
    }

    it('inserts a tag and finds it by id, name and ids', async () => {
      const { org, owner } = await world();
      const other = await world();
      const tag = await ctx.fx.tag(org, owner, { name: 'prod', color: 'red', now: at(1, 1) });
      const tag2 = await ctx.fx.tag(org, owner, { name: 'dev', exclusive: true });
      expect((await ctx.storage.tags.findById(tag.id))!.toState()).toEqual(tag.toState());
      expect((await ctx.storage.tags.findByName(org.id, 'prod'))!.toState()).toEqual(tag.toState());
      expect(await ctx.storage.tags.findByName(other.org.id, 'prod')).toBeNull();
      expect(await ctx.storage.tags.findByName(org.id, 'PROD')).toBeNull();
      expect((await ctx.storage.tags.findByIds([tag2.id, uuid(), tag.id])).map((t) => t.id).sort()).toEqual(
        [tag.id, tag2.id].sort(),
      );
      expect(await ctx.storage.tags.findById(uuid())).toBeNull();
    });

    it('rejects a name already used in the organization; other orgs may reuse it', async () => {
      const { org, owner } = await world();
      await ctx.fx.tag(org, owner, { name: 'dup' });
      await expectConflict(ctx.fx.tag(org, owner, { name: 'dup' }), 'name');
      const other = await world();
      await ctx.fx.tag(other.org, other.owner, { name: 'dup' });
    });

    it('returns copies and saves changes on update', async () => {
      const { org, owner } = await world();
      const tag = await ctx.fx.tag(org, owner, { color: 'blue' });
      const loaded = (await ctx.storage.tags.findById(tag.id))!;
      loaded.recolor('green', at(4));
      expect((await ctx.storage.tags.findById(tag.id))!.color).toBe('blue');
      await ctx.storage.tags.update(loaded);
      expect((await ctx.storage.tags.findById(tag.id))!.toState()).toEqual(loaded.toState());
      expect(loaded).toBeInstanceOf(Tag);
    });

    it('counts the pipelines carrying each tag', async () => {
      const { org, owner } = await world();
      const wf = await ctx.fx.workflow(org, owner);
      const [red, blue, unused] = [
        await ctx.fx.tag(org, owner),
        await ctx.fx.tag(org, owner),
        await ctx.fx.tag(org, owner),
      ];
      const p1 = await ctx.fx.pipeline(org, owner, wf, { tags: [red!, blue!] });
      await ctx.fx.pipeline(org, owner, wf, { tags: [red!] });
      await ctx.fx.pipeline(org, owner, wf);
      const counts = await ctx.storage.tags.taggedCounts([red!.id, blue!.id, unused!.id, uuid()]);
      expect(counts.get(red!.id)).toBe(2);
      expect(counts.get(blue!.id)).toBe(1);
      // A tag on no pipeline may be absent from the map or counted 0.
      expect(counts.get(unused!.id) ?? 0).toBe(0);
      p1.removeTag(red!.id, owner.id, at(1));
      await ctx.storage.pipelines.update(p1);
      expect((await ctx.storage.tags.taggedCounts([red!.id])).get(red!.id)).toBe(1);
      expect((await ctx.storage.tags.taggedCounts([])).size).toBe(0);
    });

    describe('list', () => {
      let orgId: string;
      let all: Tag[];

      /** alpha (red, 1m), beta (blue, exclusive, 2m), gamma (red, 2m), delta_x (grey, 3m+3ms); one tag in another org. */
      beforeAll(async () => {
        const { org, owner } = await world();
        orgId = org.id;
        all = [
          await ctx.fx.tag(org, owner, { name: 'alpha', color: 'red', now: at(1) }),
          await ctx.fx.tag(org, owner, { name: 'beta', color: 'blue', exclusive: true, now: at(2) }),
          await ctx.fx.tag(org, owner, { name: 'gamma', color: 'red', now: at(2) }),
          await ctx.fx.tag(org, owner, { name: 'delta_x', color: 'grey', now: at(3, 3) }),
        ];
        const other = await world();
        await ctx.fx.tag(other.org, other.owner, { name: 'alpha' });
      });

      const list = (q: Partial<TagQuery>) =>
        ctx.storage.tags.list(orgId, { filters: [], logical: 'and', sort: [], page: { page: 1, size: 50 }, ...q });
      const names = async (...filters: Filter<TagField>[]) => {
        const page = await list({ filters });
        expect(page.total).toBe(page.items.length);
        return nameSet(page.items);
      };

      it('filters every field type', async () => {
        expect(await names()).toEqual(['alpha', 'beta', 'delta_x', 'gamma']);
        expect(await names(f('name', 'equals', 'beta'))).toEqual(['beta']);
        expect(await names(f('name', 'contains', 'A_'))).toEqual(['delta_x']);
        expect(await names(f('name', 'startswith', 'G'))).toEqual(['gamma']);
        expect(await names(f('name', 'endswith', 'ta'))).toEqual(['beta']);
        expect(await names(f('name', 'notcontains', 'l'))).toEqual(['beta', 'gamma']);
        expect(await names(f('name', 'oneof', ['alpha', 'zulu']))).toEqual(['alpha']);
        expect(await names(f('color', 'equals', 'red'))).toEqual(['alpha', 'gamma']);
        expect(await names(f('color', 'notoneof', ['red', 'grey']))).toEqual(['beta']);
        expect(await names(f('exclusive', 'equals', true))).toEqual(['beta']);
        expect(await names(f('exclusive', 'notequals', true))).toEqual(['alpha', 'delta_x', 'gamma']);
        expect(await names(f('id', 'equals', all[2]!.id))).toEqual(['gamma']);
        expect(await names(f('id', 'equals', 'gamma'))).toEqual([]);
        expect(await names(f('createdAt', 'equals', at(2)))).toEqual(['beta', 'gamma']);
        expect(await names(f('createdAt', 'gte', at(2)))).toEqual(['beta', 'delta_x', 'gamma']);
        expect(await names(f('updatedAt', 'in', [at(1), at(2)]))).toEqual(['alpha', 'beta', 'gamma']);
        expect(
          nameSet(
            (await list({ logical: 'or', filters: [f('exclusive', 'equals', true), f('color', 'equals', 'grey')] }))
              .items,
          ),
        ).toEqual(['beta', 'delta_x']);
      });

      for (const field of TAG_SORTS)
        for (const direction of ['asc', 'desc'] as const)
          it(`sorts by ${field} ${direction}, then id`, async () => {
            const sort: SortKey<TagSort>[] = [{ field, direction }];
            const want = expectedOrder(
              all.map((t) => t.toState()),
              sort,
              (t, k) => t[k as keyof typeof t] as string | Date,
            );
            expect((await list({ sort })).items.map((t) => t.id)).toEqual(want);
          });

      it('pages with the exact total', async () => {
        const sort: SortKey<TagSort>[] = [{ field: 'name', direction: 'desc' }];
        const p2 = await list({ sort, page: { page: 2, size: 3 } });
        expect([p2.total, p2.items.map((t) => t.name)]).toEqual([4, ['alpha']]);
        expect(await list({ sort, page: { page: 5, size: 3 } })).toEqual({ items: [], total: 4 });
      });
    });
  });
}
