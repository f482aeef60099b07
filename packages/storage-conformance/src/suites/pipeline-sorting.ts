import { beforeAll, describe, expect, it } from '@jest/globals';
import { PIPELINE_SORTS, type Pipeline, type PipelineQuery, type PipelineSort, type SortKey } from '@pipewright/core';
import { adminView, at } from '../fixtures.js';
import { expectedOrder } from '../expectations.js';
import { useStorage, type StorageFactory } from '../harness.js';

/** What each sort key means, per pipeline (from the test's own data, not the adapter's). */
interface SortFacts {
  id: string;
  name: string;
  seq: number;
  type: string;
  createdAt: Date;
  updatedAt: Date;
  lastRunAt: Date | null;
  latestRun: Date;
  user: string;
  tags: string | null;
  runCount: number;
}

/** Sorting on every pipeline sort key (nulls last, id tie-break) and paging. */
export function pipelineSortSuite(factory: StorageFactory): void {
  describe('pipeline sorting and paging', () => {
    const ctx = useStorage(factory);
    let orgId: string;
    let facts: SortFacts[];

    /**
     * | name  | created | type    | owner | tags          | runs (latest at) |
     * | kilo  | 1m      | ETL     | amy   | mango, apple  | 2 (30m)          |
     * | lima  | 1m      | ETL     | zed   | -             | 0  (updated 60m) |
     * | echo  | 3m      | TASK    | amy   | pear          | 1 (10m)          |
     * | bravo | 4m      | DEFAULT | zed   | apple         | 0                |
     * | golf  | 2m      | TASK    | amy   | -             | 1 (10m)          |
     * | alpha | 50m     | ETL     | zed   | zebra         | 0                |
     */
    beforeAll(async () => {
      const fx = ctx.fx;
      const org = await fx.org();
      orgId = org.id;
      const amy = await fx.memberUser(org, { name: 'amy' });
      const zed = await fx.memberUser(org, { name: 'zed' });
      const wf = await fx.workflow(org, amy);
      const tag = async (name: string) => fx.tag(org, amy, { name });
      const [mango, apple, pear, zebra] = [
        await tag('mango'),
        await tag('apple'),
        await tag('pear'),
        await tag('zebra'),
      ];
      const kilo = await fx.pipeline(org, amy, wf, { name: 'kilo', type: 'ETL', tags: [mango!, apple!], now: at(1) });
      const lima = await fx.pipeline(org, zed, wf, { name: 'lima', type: 'ETL', now: at(1) });
      const echo = await fx.pipeline(org, amy, wf, { name: 'echo', type: 'TASK', tags: [pear!], now: at(3) });
      const bravo = await fx.pipeline(org, zed, wf, { name: 'bravo', type: 'DEFAULT', tags: [apple!], now: at(4) });
      const golf = await fx.pipeline(org, amy, wf, { name: 'golf', type: 'TASK', now: at(2) });
      const alpha = await fx.pipeline(org, zed, wf, { name: 'alpha', type: 'ETL', tags: [zebra!], now: at(50) });
      const runOf = async (p: Pipeline, minute: number) =>
        fx.markLatestRun(p, await fx.run({ org, pipeline: p, status: 'COMPLETED', createdAt: at(minute) }));
      await runOf(kilo, 20);
      await runOf(kilo, 30);
      await runOf(echo, 10);
      await runOf(golf, 10);
      lima.describe('touched', zed.id, at(60));
      await fx.storage.pipelines.update(lima);

      const owners = new Map([
        [amy.id, 'amy'],
        [zed.id, 'zed'],
      ]);
      const tagNames = new Map([mango!, apple!, pear!, zebra!].map((t) => [t.id, t.name]));
      facts = [kilo, lima, echo, bravo, golf, alpha].map((p) => ({
        id: p.id,
        name: p.name,
        seq: p.seq,
        type: p.type,
        createdAt: p.createdAt,
        updatedAt: p.updatedAt,
        lastRunAt: p.lastRun?.at ?? null,
        latestRun: p.lastRun?.at ?? p.createdAt,
        user: owners.get(p.ownerId)!,
        tags: p.tagIds.map((id) => tagNames.get(id)!).sort()[0] ?? null,
        runCount: p.runCount,
      }));
    });

    async function order(query: Partial<PipelineQuery>): Promise<string[]> {
      const page = await ctx.storage.pipelines.list(adminView(orgId), {
        filters: [],
        logical: 'and',
        sort: [],
        page: { page: 1, size: 50 },
        ...query,
      });
      return page.items.map((p) => p.id);
    }
    const expected = (sort: SortKey<PipelineSort>[]) =>
      expectedOrder(facts, sort, (p, field) => p[field as keyof SortFacts]);
    const namesOf = (ids: string[]) => ids.map((id) => facts.find((p) => p.id === id)!.name);

    for (const field of PIPELINE_SORTS)
      for (const direction of ['asc', 'desc'] as const)
        it(`sorts by ${field} ${direction}`, async () => {
          const sort = [{ field, direction }];
          expect(namesOf(await order({ sort }))).toEqual(namesOf(expected(sort)));
        });

    it('spells out a few orders', async () => {
      expect(namesOf(await order({ sort: [{ field: 'name', direction: 'asc' }] }))).toEqual([
        'alpha',
        'bravo',
        'echo',
        'golf',
        'kilo',
        'lima',
      ]);
      // latestRun = COALESCE(latest run time, creation time): alpha (50m) beats kilo's run (30m).
      expect(namesOf(await order({ sort: [{ field: 'latestRun', direction: 'desc' }] })).slice(0, 2)).toEqual([
        'alpha',
        'kilo',
      ]);
      // NULLs last in both directions.
      expect(
        namesOf(await order({ sort: [{ field: 'lastRunAt', direction: 'asc' }] }))
          .slice(3)
          .sort(),
      ).toEqual(['alpha', 'bravo', 'lima']);
      expect(namesOf(await order({ sort: [{ field: 'lastRunAt', direction: 'desc' }] }))[0]).toBe('kilo');
      expect(
        namesOf(await order({ sort: [{ field: 'tags', direction: 'desc' }] }))
          .slice(4)
          .sort(),
      ).toEqual(['golf', 'lima']);
    });

    it('breaks ties with id ascending', async () => {
      const ties = (await order({ sort: [{ field: 'createdAt', direction: 'desc' }] })).filter((id) =>
        ['kilo', 'lima'].includes(namesOf([id])[0]!),
      );
      expect(ties).toEqual([...ties].sort());
    });

    it('applies several keys in order', async () => {
      for (const sort of [
        [
          { field: 'type', direction: 'asc' },
          { field: 'name', direction: 'desc' },
        ],
        [
          { field: 'runCount', direction: 'desc' },
          { field: 'createdAt', direction: 'asc' },
        ],
        [
          { field: 'user', direction: 'desc' },
          { field: 'lastRunAt', direction: 'desc' },
        ],
        [
          { field: 'tags', direction: 'asc' },
          { field: 'latestRun', direction: 'asc' },
        ],
      ] as SortKey<PipelineSort>[][])
        expect(namesOf(await order({ sort }))).toEqual(namesOf(expected(sort)));
    });

    it('pages through the sorted result with the exact total', async () => {
      const sort: SortKey<PipelineSort>[] = [{ field: 'name', direction: 'asc' }];
      const list = (page: number, size: number) =>
        ctx.storage.pipelines.list(adminView(orgId), { filters: [], logical: 'and', sort, page: { page, size } });
      const p1 = await list(1, 4);
      const p2 = await list(2, 4);
      expect([p1.total, p2.total]).toEqual([6, 6]);
      expect(namesOf([...p1.items, ...p2.items].map((p) => p.id))).toEqual([
        'alpha',
        'bravo',
        'echo',
        'golf',
        'kilo',
        'lima',
      ]);
      expect(await list(3, 4)).toEqual({ items: [], total: 6 });
      expect(await list(100, 4)).toEqual({ items: [], total: 6 });
      const one = await list(2, 1);
      expect([one.total, one.items.map((p) => p.name)]).toEqual([6, ['bravo']]);
    });

    it('counts only matching rows in the total', async () => {
      const page = await ctx.storage.pipelines.list(adminView(orgId), {
        filters: [{ field: 'type', op: 'equals', value: 'ETL' }],
        logical: 'and',
        sort: [{ field: 'name', direction: 'asc' }],
        page: { page: 1, size: 2 },
      });
      expect(page.total).toBe(3);
      expect(page.items.map((p) => p.name)).toEqual(['alpha', 'kilo']);
    });
  });
}
