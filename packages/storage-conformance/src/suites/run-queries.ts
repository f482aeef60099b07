import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  RUN_SORTS,
  type Filter,
  type Run,
  type RunField,
  type RunQuery,
  type RunState,
  type SortKey,
  type RunSort,
  type User,
  type Pipeline,
  type Workflow,
} from '@pipewright/core';
import { adminView, at } from '../fixtures.js';
import { expectedOrder } from '../expectations.js';
import { useStorage, type StorageFactory } from '../harness.js';

/**
 * | run | pipeline | status    | trigger  | by   | index | created | started | ended |
 * | r1  | pA       | COMPLETED | manual   | ann  | 1     | 1m      | 2m      | 3m    |
 * | r2  | pA       | ERROR     | schedule | -    | 2     | 4m      | 5m      | 6m    |
 * | r3  | pA       | EXECUTING | api      | bob  | 3     | 7m      | 8m      | -     |
 * | r4  | pB       | PENDING   | manual   | ann  | 1     | 7m      | -       | -     |
 * | r5  | - (wf2)  | STOPPED   | public   | -    | -     | 9m      | -       | 10m   |
 * | r6  | pB       | COMPLETED | schedule | bob  | 2     | 0m      | 0m      | 0m    |
 */
interface Catalog {
  orgId: string;
  users: Record<'ann' | 'bob', User>;
  pipelines: Record<'pA' | 'pB', Pipeline>;
  wf2: Workflow;
  runs: Record<string, Run>;
}

type Label = 'r1' | 'r2' | 'r3' | 'r4' | 'r5' | 'r6';
const ALL: Label[] = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'];
const except = (...l: Label[]) => ALL.filter((x) => !l.includes(x));
const f = (field: RunField, op: Filter['op'], value?: Filter['value']): Filter<RunField> =>
  value === undefined ? { field, op } : { field, op, value };

type Case = [title: string, filters: (c: Catalog) => Filter<RunField>[], expected: Label[] | ((c: Catalog) => Label[])];

const CASES: Record<string, Case[]> = {
  'status and trigger (string)': [
    ['status equals', () => [f('status', 'equals', 'COMPLETED')], ['r1', 'r6']],
    ['status equals is case-sensitive', () => [f('status', 'equals', 'completed')], []],
    ['status notequals', () => [f('status', 'notequals', 'COMPLETED')], ['r2', 'r3', 'r4', 'r5']],
    ['status contains', () => [f('status', 'contains', 'ing')], ['r3', 'r4']],
    ['status notcontains', () => [f('status', 'notcontains', 'err')], except('r2')],
    ['status startswith', () => [f('status', 'startswith', 'stop')], ['r5']],
    ['status endswith', () => [f('status', 'endswith', 'ED')], ['r1', 'r5', 'r6']],
    ['status oneof', () => [f('status', 'oneof', ['PENDING', 'EXECUTING'])], ['r3', 'r4']],
    ['status notoneof', () => [f('status', 'notoneof', ['PENDING', 'EXECUTING'])], ['r1', 'r2', 'r5', 'r6']],
    ['status isempty', () => [f('status', 'isempty')], []],
    ['status isnotempty', () => [f('status', 'isnotempty')], ALL],
    ['trigger equals', () => [f('trigger', 'equals', 'manual')], ['r1', 'r4']],
    ['trigger contains', () => [f('trigger', 'contains', 'UL')], ['r2', 'r6']],
    ['trigger oneof', () => [f('trigger', 'oneof', ['api', 'public'])], ['r3', 'r5']],
  ],
  'triggeredBy, pipelineId, workflowId, id (uuid)': [
    ['triggeredBy equals', (c) => [f('triggeredBy', 'equals', c.users.ann.id)], ['r1', 'r4']],
    ['triggeredBy notequals does not match NULL', (c) => [f('triggeredBy', 'notequals', c.users.ann.id)], ['r3', 'r6']],
    ['triggeredBy equals a non-uuid matches nothing', () => [f('triggeredBy', 'equals', 'ann')], []],
    [
      'triggeredBy notequals a non-uuid matches every non-null row',
      () => [f('triggeredBy', 'notequals', 'ann')],
      ['r1', 'r3', 'r4', 'r6'],
    ],
    ['triggeredBy oneof', (c) => [f('triggeredBy', 'oneof', [c.users.bob.id])], ['r3', 'r6']],
    ['triggeredBy notoneof', (c) => [f('triggeredBy', 'notoneof', [c.users.bob.id])], ['r1', 'r4']],
    ['triggeredBy isempty', () => [f('triggeredBy', 'isempty')], ['r2', 'r5']],
    ['triggeredBy isnotempty', () => [f('triggeredBy', 'isnotempty')], ['r1', 'r3', 'r4', 'r6']],
    ['pipelineId equals', (c) => [f('pipelineId', 'equals', c.pipelines.pA.id)], ['r1', 'r2', 'r3']],
    ['pipelineId notequals', (c) => [f('pipelineId', 'notequals', c.pipelines.pA.id)], ['r4', 'r6']],
    ['pipelineId oneof', (c) => [f('pipelineId', 'oneof', [c.pipelines.pA.id, c.pipelines.pB.id])], except('r5')],
    ['pipelineId notoneof', (c) => [f('pipelineId', 'notoneof', [c.pipelines.pA.id])], ['r4', 'r6']],
    ['pipelineId isempty', () => [f('pipelineId', 'isempty')], ['r5']],
    ['pipelineId startswith', (c) => [f('pipelineId', 'startswith', c.pipelines.pB.id.slice(0, 18))], ['r4', 'r6']],
    ['workflowId equals', (c) => [f('workflowId', 'equals', c.wf2.id)], ['r5']],
    ['workflowId notequals', (c) => [f('workflowId', 'notequals', c.wf2.id)], except('r5')],
    ['id equals', (c) => [f('id', 'equals', c.runs.r3!.id)], ['r3']],
    ['id endswith', (c) => [f('id', 'endswith', c.runs.r3!.id.slice(-12))], ['r3']],
  ],
  'index and seq (int)': [
    ['index equals', () => [f('index', 'equals', 1)], ['r1', 'r4']],
    ['index notequals does not match NULL', () => [f('index', 'notequals', 1)], ['r2', 'r3', 'r6']],
    ['index gt', () => [f('index', 'gt', 1)], ['r2', 'r3', 'r6']],
    ['index gte', () => [f('index', 'gte', 2)], ['r2', 'r3', 'r6']],
    ['index lt', () => [f('index', 'lt', 2)], ['r1', 'r4']],
    ['index lte', () => [f('index', 'lte', 2)], ['r1', 'r2', 'r4', 'r6']],
    ['index oneof', () => [f('index', 'oneof', [1, 3])], ['r1', 'r3', 'r4']],
    ['index notoneof', () => [f('index', 'notoneof', [1])], ['r2', 'r3', 'r6']],
    ['index isempty', () => [f('index', 'isempty')], ['r5']],
    ['index isnotempty', () => [f('index', 'isnotempty')], except('r5')],
    ['seq gt', (c) => [f('seq', 'gt', c.runs.r3!.seq)], (c) => ALL.filter((l) => c.runs[l]!.seq > c.runs.r3!.seq)],
    ['seq equals', (c) => [f('seq', 'equals', c.runs.r3!.seq)], ['r3']],
  ],
  'createdAt, updatedAt, startedAt, endedAt (datetime)': [
    ['createdAt equals', () => [f('createdAt', 'equals', at(7))], ['r3', 'r4']],
    ['createdAt in', () => [f('createdAt', 'in', [at(4), at(7)])], ['r2', 'r3', 'r4']],
    ['createdAt gt', () => [f('createdAt', 'gt', at(7))], ['r5']],
    ['createdAt lt', () => [f('createdAt', 'lt', at(1))], ['r6']],
    ['updatedAt gt', () => [f('updatedAt', 'gt', at(6))], ['r3', 'r4', 'r5']],
    ['startedAt isempty', () => [f('startedAt', 'isempty')], ['r4', 'r5']],
    ['startedAt gte', () => [f('startedAt', 'gte', at(5))], ['r2', 'r3']],
    ['startedAt lt', () => [f('startedAt', 'lt', at(5))], ['r1', 'r6']],
    ['startedAt notequals does not match NULL', () => [f('startedAt', 'notequals', at(2))], ['r2', 'r3', 'r6']],
    ['endedAt isempty', () => [f('endedAt', 'isempty')], ['r3', 'r4']],
    ['endedAt isnotempty', () => [f('endedAt', 'isnotempty')], ['r1', 'r2', 'r5', 'r6']],
    ['endedAt lte', () => [f('endedAt', 'lte', at(6))], ['r1', 'r2', 'r6']],
    ['endedAt in', () => [f('endedAt', 'in', [at(3), at(10)])], ['r1', 'r2', 'r5']],
  ],
};

/** Filters, sorting and paging of runs. */
export function runQuerySuite(factory: StorageFactory): void {
  describe('run filters, sorting and paging', () => {
    const ctx = useStorage(factory);
    let c: Catalog;

    beforeAll(async () => {
      const fx = ctx.fx;
      const org = await fx.org();
      const ann = await fx.memberUser(org, { name: 'ann' });
      const bob = await fx.memberUser(org, { name: 'bob' });
      const wf = await fx.workflow(org, ann);
      const wf2 = await fx.workflow(org, ann);
      const pA = await fx.pipeline(org, ann, wf);
      const pB = await fx.pipeline(org, ann, wf);
      const runs: Record<string, Run> = {
        r1: await fx.run({
          org,
          pipeline: pA,
          status: 'COMPLETED',
          trigger: 'manual',
          triggeredBy: ann.id,
          index: 1,
          createdAt: at(1),
          startedAt: at(2),
          endedAt: at(3),
        }),
        r2: await fx.run({
          org,
          pipeline: pA,
          status: 'ERROR',
          trigger: 'schedule',
          triggeredBy: null,
          index: 2,
          createdAt: at(4),
          startedAt: at(5),
          endedAt: at(6),
        }),
        r3: await fx.run({
          org,
          pipeline: pA,
          status: 'EXECUTING',
          trigger: 'api',
          triggeredBy: bob.id,
          index: 3,
          createdAt: at(7),
          startedAt: at(8),
        }),
        r4: await fx.run({
          org,
          pipeline: pB,
          status: 'PENDING',
          trigger: 'manual',
          triggeredBy: ann.id,
          index: 1,
          createdAt: at(7),
        }),
        r5: await fx.run({
          org,
          workflow: wf2,
          pipeline: null,
          status: 'STOPPED',
          trigger: 'public',
          triggeredBy: null,
          createdAt: at(9),
          endedAt: at(10),
        }),
        r6: await fx.run({
          org,
          pipeline: pB,
          status: 'COMPLETED',
          trigger: 'schedule',
          triggeredBy: bob.id,
          index: 2,
          createdAt: at(0),
        }),
      };
      c = { orgId: org.id, users: { ann, bob }, pipelines: { pA, pB }, wf2, runs };
    });

    const labelOf = (id: string) => ALL.find((l) => c.runs[l]!.id === id) ?? id;
    async function list(query: Partial<RunQuery>) {
      return ctx.storage.runs.list(adminView(c.orgId), {
        filters: [],
        logical: 'and',
        sort: [],
        page: { page: 1, size: 50 },
        ...query,
      });
    }
    async function labels(query: Partial<RunQuery>): Promise<string[]> {
      const page = await list(query);
      expect(page.total).toBe(page.items.length);
      return page.items.map((r) => labelOf(r.id)).sort();
    }

    for (const [group, cases] of Object.entries(CASES))
      describe(group, () => {
        for (const [title, filters, expected] of cases)
          it(title, async () => {
            const want = typeof expected === 'function' ? expected(c) : expected;
            expect(await labels({ filters: filters(c) })).toEqual([...want].sort());
          });
      });

    it('combines with or and required', async () => {
      expect(
        await labels({ logical: 'or', filters: [f('status', 'equals', 'ERROR'), f('trigger', 'equals', 'public')] }),
      ).toEqual(['r2', 'r5']);
      expect(
        await labels({
          logical: 'or',
          filters: [f('status', 'equals', 'COMPLETED'), f('status', 'equals', 'PENDING')],
          required: [f('pipelineId', 'equals', c.pipelines.pB.id)],
        }),
      ).toEqual(['r4', 'r6']);
    });

    const expected = (sort: SortKey<RunSort>[]) =>
      expectedOrder(
        Object.values(c.runs).map((r) => r.toState()),
        sort,
        (r, field) => r[field as keyof RunState] as Date | number | string | null,
      );

    for (const field of RUN_SORTS)
      for (const direction of ['asc', 'desc'] as const)
        it(`sorts by ${field} ${direction} (NULLs last, then id)`, async () => {
          const sort = [{ field, direction }];
          expect((await list({ sort })).items.map((r) => labelOf(r.id))).toEqual(expected(sort).map(labelOf));
        });

    it('sorts by several keys', async () => {
      const sort: SortKey<RunSort>[] = [
        { field: 'status', direction: 'asc' },
        { field: 'createdAt', direction: 'desc' },
      ];
      expect((await list({ sort })).items.map((r) => labelOf(r.id))).toEqual(expected(sort).map(labelOf));
      expect(
        (await list({ sort: [{ field: 'endedAt', direction: 'desc' }] })).items.map((r) => labelOf(r.id)).slice(0, 4),
      ).toEqual(['r5', 'r2', 'r1', 'r6']);
    });

    it('pages with the exact total', async () => {
      const sort: SortKey<RunSort>[] = [{ field: 'createdAt', direction: 'asc' }];
      const p1 = await list({ sort, page: { page: 1, size: 4 } });
      const p2 = await list({ sort, page: { page: 2, size: 4 } });
      expect([p1.total, p1.items.length, p2.total, p2.items.length]).toEqual([6, 4, 6, 2]);
      expect([...p1.items, ...p2.items].map((r) => labelOf(r.id))).toEqual(expected(sort).map(labelOf));
      expect(await list({ sort, page: { page: 3, size: 4 } })).toEqual({ items: [], total: 6 });
      const filtered = await list({
        filters: [f('pipelineId', 'equals', c.pipelines.pA.id)],
        sort,
        page: { page: 1, size: 1 },
      });
      expect([filtered.total, filtered.items.map((r) => labelOf(r.id))]).toEqual([3, ['r1']]);
    });
  });
}
