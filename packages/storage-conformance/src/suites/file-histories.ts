import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  FILE_HISTORY_SORTS,
  FileHistory,
  type FileHistoryField,
  type FileHistoryQuery,
  type FileHistorySort,
  type Filter,
  type SortKey,
} from '@pipewright/core';
import { at, uuid } from '../fixtures.js';
import { expectConflict, expectedOrder } from '../expectations.js';
import { useStorage, type StorageFactory } from '../harness.js';

const f = (field: FileHistoryField, op: Filter['op'], value?: Filter['value']): Filter<FileHistoryField> =>
  value === undefined ? { field, op } : { field, op, value };

/** File histories: lookups, uniqueness, filters, sorting, delete and deleteMatching. */
export function fileHistorySuite(factory: StorageFactory): void {
  describe('file histories', () => {
    const ctx = useStorage(factory);

    async function workflow() {
      const org = await ctx.fx.org();
      const owner = await ctx.fx.memberUser(org);
      return ctx.fx.workflow(org, owner);
    }

    it('inserts a history and finds it by file and by id within its workflow', async () => {
      const wf = await workflow();
      const other = await workflow();
      const h = await ctx.fx.fileHistory(wf, {
        cacheKey: 'abc123',
        filePath: 'in/a.csv',
        result: { rows: 3, items: [{ id: 1 }, { id: 2, note: 'ß' }], ok: true },
        metadata: { size: 1024, tags: ['x'] },
        now: at(4, 321),
      });
      expect((await ctx.storage.fileHistories.findByFile(wf.id, 'abc123', 'in/a.csv'))!.toState()).toEqual(h.toState());
      expect((await ctx.storage.fileHistories.findById(wf.id, h.id))!.toState()).toEqual(h.toState());
      expect(await ctx.storage.fileHistories.findById(other.id, h.id)).toBeNull();
      expect(await ctx.storage.fileHistories.findByFile(other.id, 'abc123', 'in/a.csv')).toBeNull();
      expect(await ctx.storage.fileHistories.findByFile(wf.id, 'abc123', 'in/b.csv')).toBeNull();
      expect(await ctx.storage.fileHistories.findByFile(wf.id, 'other', 'in/a.csv')).toBeNull();
    });

    it('rejects a second history for the same (workflow, cacheKey, filePath)', async () => {
      const wf = await workflow();
      const other = await workflow();
      await ctx.fx.fileHistory(wf, { cacheKey: 'k1', filePath: 'p/1.csv' });
      await expectConflict(ctx.fx.fileHistory(wf, { cacheKey: 'k1', filePath: 'p/1.csv' }));
      await ctx.fx.fileHistory(wf, { cacheKey: 'k1', filePath: 'p/2.csv' });
      await ctx.fx.fileHistory(wf, { cacheKey: 'k2', filePath: 'p/1.csv' });
      await ctx.fx.fileHistory(other, { cacheKey: 'k1', filePath: 'p/1.csv' });
    });

    it('returns copies and saves changes on update', async () => {
      const wf = await workflow();
      const h = await ctx.fx.fileHistory(wf, { status: 'ERROR' });
      const loaded = (await ctx.storage.fileHistories.findById(wf.id, h.id))!;
      loaded.recordExecution({ status: 'COMPLETED', result: { n: [1, 2] } }, at(5));
      expect((await ctx.storage.fileHistories.findById(wf.id, h.id))!.executionCount).toBe(1);
      await ctx.storage.fileHistories.update(loaded);
      const saved = (await ctx.storage.fileHistories.findById(wf.id, h.id))!;
      expect(saved.toState()).toEqual(loaded.toState());
      expect(saved).toBeInstanceOf(FileHistory);
    });

    describe('list', () => {
      let wfId: string;
      let ids: Record<string, string>;
      let all: FileHistory[];

      /**
       * | path          | status    | count | cacheKey | created |
       * | in/a.csv      | COMPLETED | 1     | k-a      | 1m      |
       * | in/b_1.csv    | ERROR     | 3     | k-b      | 2m      |
       * | in/c%2.csv    | COMPLETED | 2     | k-c      | 2m      |
       * (paths differ in a letter before any punctuation, so collation cannot reorder them)
       * | out/c.json    | ERROR     | 1     | k-d      | 4m+9ms  |
       * (plus one history of another workflow)
       */
      beforeAll(async () => {
        const wf = await workflow();
        wfId = wf.id;
        all = [
          await ctx.fx.fileHistory(wf, { filePath: 'in/a.csv', cacheKey: 'k-a', now: at(1) }),
          await ctx.fx.fileHistory(wf, {
            filePath: 'in/b_1.csv',
            cacheKey: 'k-b',
            status: 'ERROR',
            moreExecutions: 2,
            now: at(2),
          }),
          await ctx.fx.fileHistory(wf, { filePath: 'in/c%2.csv', cacheKey: 'k-c', moreExecutions: 1, now: at(2) }),
          await ctx.fx.fileHistory(wf, { filePath: 'out/c.json', cacheKey: 'k-d', status: 'ERROR', now: at(4, 9) }),
        ];
        ids = Object.fromEntries(all.map((h) => [h.filePath, h.id]));
        await ctx.fx.fileHistory(await workflow(), { filePath: 'in/a.csv', cacheKey: 'k-a' });
      });

      const list = (q: Partial<FileHistoryQuery>) =>
        ctx.storage.fileHistories.list(wfId, {
          filters: [],
          logical: 'and',
          sort: [],
          page: { page: 1, size: 50 },
          ...q,
        });
      const paths = async (...filters: Filter<FileHistoryField>[]) => {
        const page = await list({ filters });
        expect(page.total).toBe(page.items.length);
        return page.items.map((h) => h.filePath).sort();
      };

      it('filters every field type', async () => {
        expect(await paths()).toEqual(['in/a.csv', 'in/b_1.csv', 'in/c%2.csv', 'out/c.json']);
        expect(await paths(f('status', 'equals', 'ERROR'))).toEqual(['in/b_1.csv', 'out/c.json']);
        expect(await paths(f('status', 'oneof', ['COMPLETED']))).toEqual(['in/a.csv', 'in/c%2.csv']);
        expect(await paths(f('status', 'notequals', 'ERROR'))).toEqual(['in/a.csv', 'in/c%2.csv']);
        expect(await paths(f('executionCount', 'gt', 1))).toEqual(['in/b_1.csv', 'in/c%2.csv']);
        expect(await paths(f('executionCount', 'lte', 2))).toEqual(['in/a.csv', 'in/c%2.csv', 'out/c.json']);
        expect(await paths(f('executionCount', 'oneof', [1, 3]))).toEqual(['in/a.csv', 'in/b_1.csv', 'out/c.json']);
        expect(await paths(f('executionCount', 'notequals', 1))).toEqual(['in/b_1.csv', 'in/c%2.csv']);
        expect(await paths(f('filePath', 'startswith', 'IN/'))).toEqual(['in/a.csv', 'in/b_1.csv', 'in/c%2.csv']);
        expect(await paths(f('filePath', 'startswith', 'in/b_'))).toEqual(['in/b_1.csv']);
        expect(await paths(f('filePath', 'contains', '%'))).toEqual(['in/c%2.csv']);
        expect(await paths(f('filePath', 'endswith', '.JSON'))).toEqual(['out/c.json']);
        expect(await paths(f('filePath', 'notcontains', 'b'))).toEqual(['in/a.csv', 'in/c%2.csv', 'out/c.json']);
        expect(await paths(f('cacheKey', 'equals', 'k-b'))).toEqual(['in/b_1.csv']);
        expect(await paths(f('cacheKey', 'notoneof', ['k-a', 'k-b']))).toEqual(['in/c%2.csv', 'out/c.json']);
        expect(await paths(f('id', 'equals', ids['out/c.json']!))).toEqual(['out/c.json']);
        expect(await paths(f('createdAt', 'in', [at(2), at(4, 9)]))).toEqual([
          'in/b_1.csv',
          'in/c%2.csv',
          'out/c.json',
        ]);
        expect(await paths(f('createdAt', 'equals', at(4, 9)))).toEqual(['out/c.json']);
        expect(await paths(f('updatedAt', 'lt', at(2)))).toEqual(['in/a.csv']);
        expect(await paths(f('status', 'equals', 'ERROR'), f('filePath', 'startswith', 'in/'))).toEqual(['in/b_1.csv']);
        const or = await list({
          logical: 'or',
          filters: [f('cacheKey', 'equals', 'k-a'), f('cacheKey', 'equals', 'k-d')],
        });
        expect(or.items.map((h) => h.filePath).sort()).toEqual(['in/a.csv', 'out/c.json']);
      });

      for (const field of FILE_HISTORY_SORTS)
        for (const direction of ['asc', 'desc'] as const)
          it(`sorts by ${field} ${direction}, then id`, async () => {
            const sort: SortKey<FileHistorySort>[] = [{ field, direction }];
            const want = expectedOrder(
              all.map((h) => h.toState()),
              sort,
              (h, k) => h[k as keyof typeof h] as string | number | Date,
            );
            expect((await list({ sort })).items.map((h) => h.id)).toEqual(want);
          });

      it('pages with the exact total', async () => {
        const sort: SortKey<FileHistorySort>[] = [{ field: 'executionCount', direction: 'desc' }];
        const p1 = await list({ sort, page: { page: 1, size: 2 } });
        expect([p1.total, p1.items.map((h) => h.filePath)]).toEqual([4, ['in/b_1.csv', 'in/c%2.csv']]);
        expect(await list({ sort, page: { page: 3, size: 2 } })).toEqual({ items: [], total: 4 });
      });
    });

    it('deletes one history, reporting whether it existed', async () => {
      const wf = await workflow();
      const other = await workflow();
      const h = await ctx.fx.fileHistory(wf);
      expect(await ctx.storage.fileHistories.delete(other.id, h.id)).toBe(false);
      expect(await ctx.storage.fileHistories.delete(wf.id, h.id)).toBe(true);
      expect(await ctx.storage.fileHistories.delete(wf.id, h.id)).toBe(false);
      expect(await ctx.storage.fileHistories.delete(wf.id, uuid())).toBe(false);
      expect(await ctx.storage.fileHistories.findById(wf.id, h.id)).toBeNull();
    });

    it('deletes the histories matching all filters, or all of the workflow, returning the count', async () => {
      const wf = await workflow();
      const other = await workflow();
      await ctx.fx.fileHistory(wf, { filePath: 'in/1.csv', status: 'ERROR' });
      await ctx.fx.fileHistory(wf, { filePath: 'in/2.csv', status: 'COMPLETED' });
      await ctx.fx.fileHistory(wf, { filePath: 'out/3.csv', status: 'COMPLETED' });
      await ctx.fx.fileHistory(wf, { filePath: 'out/4.csv', status: 'ERROR' });
      const kept = await ctx.fx.fileHistory(other, { filePath: 'in/1.csv', status: 'ERROR' });
      const count = async () =>
        (
          await ctx.storage.fileHistories.list(wf.id, {
            filters: [],
            logical: 'and',
            sort: [],
            page: { page: 1, size: 10 },
          })
        ).total;

      expect(
        await ctx.storage.fileHistories.deleteMatching(wf.id, [
          f('status', 'equals', 'COMPLETED'),
          f('filePath', 'startswith', 'in/'),
        ]),
      ).toBe(1);
      expect(await count()).toBe(3);
      expect(await ctx.storage.fileHistories.deleteMatching(wf.id, [f('status', 'equals', 'ERROR')])).toBe(2);
      expect(await count()).toBe(1);
      expect(await ctx.storage.fileHistories.deleteMatching(wf.id, [f('status', 'equals', 'ERROR')])).toBe(0);
      expect(await ctx.storage.fileHistories.deleteMatching(wf.id, [])).toBe(1);
      expect(await count()).toBe(0);
      expect(await ctx.storage.fileHistories.findById(other.id, kept.id)).not.toBeNull();
    });
  });
}
