import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  WORKFLOW_SORTS,
  type Filter,
  type Workflow,
  type WorkflowField,
  type WorkflowQuery,
  type WorkflowSort,
  type SortKey,
} from '@pipewright/core';
import { adminView, at, uuid } from '../fixtures.js';
import { expectConflict, expectedOrder, nameSet } from '../expectations.js';
import { useStorage, type StorageFactory } from '../harness.js';

const f = (field: WorkflowField, op: Filter['op'], value?: Filter['value']): Filter<WorkflowField> =>
  value === undefined ? { field, op } : { field, op, value };

/** Workflow CRUD, name uniqueness, cascades, filters, sorting and paging. */
export function workflowSuite(factory: StorageFactory): void {
  describe('workflows', () => {
    const ctx = useStorage(factory);

    async function world() {
      const org = await ctx.fx.org();
      const owner = await ctx.fx.memberUser(org);
      return { org, owner };
    }

    it('inserts a workflow and finds it, with its JSON definition', async () => {
      const { org, owner } = await world();
      const wf = await ctx.fx.workflow(org, owner, {
        name: 'ingest',
        description: 'Reads the bucket',
        deploymentType: 'ETL',
        maxFileExecutionCount: 5,
        definition: {
          source: {
            connector: 'filesystem',
            settings: { root: '/data', patterns: ['*.csv', '*.json'], recursive: true, depth: 2.5, none: null },
          },
          stages: {
            inputSchema: {
              type: 'object',
              required: ['id'],
              properties: { id: { type: 'integer' }, 'ü-name': { type: 'string' } },
            },
            filter: 'amount > 10',
            transformation: { handler: 'normalize' },
          },
          destination: {
            connector: 'webhook',
            settings: { url: 'https://example.test/hook', headers: { 'X-Key': 'k' } },
          },
        },
        now: at(1, 999),
      });
      expect((await ctx.storage.workflows.findById(wf.id))!.toState()).toEqual(wf.toState());
      expect((await ctx.storage.workflows.findByIdForUpdate(wf.id))!.toState()).toEqual(wf.toState());
      expect(await ctx.storage.workflows.findById(uuid())).toBeNull();
    });

    it('returns copies and saves changes on update', async () => {
      const { org, owner } = await world();
      const friend = await ctx.fx.memberUser(org);
      const wf = await ctx.fx.workflow(org, owner, { name: 'before' });
      const loaded = (await ctx.storage.workflows.findById(wf.id))!;
      loaded.rename('after', owner.id, at(2));
      loaded.redefine(
        { stages: { filter: 'x = 1' }, destination: { connector: 'none', settings: {} } },
        owner.id,
        at(2),
      );
      loaded.configureExecution(
        { maxFileExecutionCount: 2, retryOnInterrupt: true, deploymentType: 'API' },
        owner.id,
        at(2),
      );
      loaded.deactivate(owner.id, at(3));
      loaded.share([friend.id], true, owner.id, at(3));
      expect((await ctx.storage.workflows.findById(wf.id))!.name).toBe('before');
      await ctx.storage.workflows.update(loaded);
      expect((await ctx.storage.workflows.findById(wf.id))!.toState()).toEqual(loaded.toState());
    });

    it('rejects a name already used in the organization, on insert and on update; other orgs may reuse it', async () => {
      const { org, owner } = await world();
      await ctx.fx.workflow(org, owner, { name: 'taken' });
      await expectConflict(ctx.fx.workflow(org, owner, { name: 'taken' }), 'name');
      const free = await ctx.fx.workflow(org, owner, { name: 'free' });
      free.rename('taken', owner.id, at(1));
      await expectConflict(ctx.storage.workflows.update(free), 'name');
      expect((await ctx.storage.workflows.findById(free.id))!.name).toBe('free');
      const other = await world();
      await ctx.fx.workflow(other.org, other.owner, { name: 'taken' });
    });

    it('deletes a workflow with its file histories and pipeline-less runs (and their logs)', async () => {
      const { org, owner } = await world();
      const wf = await ctx.fx.workflow(org, owner);
      const kept = await ctx.fx.workflow(org, owner);
      const h1 = await ctx.fx.fileHistory(wf);
      const h2 = await ctx.fx.fileHistory(wf, { status: 'ERROR' });
      const keptHistory = await ctx.fx.fileHistory(kept);
      const run = await ctx.fx.run({ org, workflow: wf, pipeline: null, status: 'EXECUTING' });
      const keptRun = await ctx.fx.run({ org, workflow: kept, pipeline: null });
      await ctx.storage.runLogs.append([ctx.fx.log(run), ctx.fx.log(keptRun)]);
      await ctx.storage.fileExecutions.save(ctx.fx.fileExecution(run));

      await ctx.storage.workflows.delete(wf.id);

      expect(await ctx.storage.workflows.findById(wf.id)).toBeNull();
      expect(await ctx.storage.fileHistories.findById(wf.id, h1.id)).toBeNull();
      expect(await ctx.storage.fileHistories.findById(wf.id, h2.id)).toBeNull();
      expect(await ctx.storage.runs.findById(run.id)).toBeNull();
      expect((await ctx.storage.runLogs.list(run.id, {}, { page: 1, size: 10 })).total).toBe(0);
      expect((await ctx.storage.fileExecutions.listByRun(run.id, { page: 1, size: 10 })).total).toBe(0);
      expect(await ctx.storage.fileHistories.findById(kept.id, keptHistory.id)).not.toBeNull();
      expect(await ctx.storage.runs.findById(keptRun.id)).not.toBeNull();
      expect((await ctx.storage.runLogs.list(keptRun.id, {}, { page: 1, size: 10 })).total).toBe(1);
      await expect(ctx.storage.workflows.delete(uuid())).resolves.toBeUndefined();
    });

    describe('list', () => {
      let orgId: string;
      let ownerId: string;
      let otherId: string;
      let all: Workflow[];

      /**
       * | name    | owner | active | type | description | created | updated |
       * | ingest  | ann   | yes    | ETL  | Reads files | 1m      | 1m      |
       * | export  | ann   | no     | TASK | NULL        | 2m      | 9m      |
       * | api_one | bob   | yes    | API  | 100% api    | 2m      | 2m      |
       * | zeta    | bob   | yes    | ETL  | ''          | 3m+5ms  | 3m+5ms  |
       */
      beforeAll(async () => {
        const { org, owner } = await world();
        const bob = await ctx.fx.memberUser(org, { name: 'bob' });
        orgId = org.id;
        ownerId = owner.id;
        otherId = bob.id;
        const ingest = await ctx.fx.workflow(org, owner, {
          name: 'ingest',
          deploymentType: 'ETL',
          description: 'Reads files',
          now: at(1),
        });
        const exp = await ctx.fx.workflow(org, owner, { name: 'export', deploymentType: 'TASK', now: at(2) });
        exp.deactivate(owner.id, at(9));
        await ctx.storage.workflows.update(exp);
        const api = await ctx.fx.workflow(org, bob, {
          name: 'api_one',
          deploymentType: 'API',
          description: '100% api',
          now: at(2),
        });
        const zeta = await ctx.fx.workflow(org, bob, {
          name: 'zeta',
          deploymentType: 'ETL',
          description: '',
          now: at(3, 5),
        });
        all = [ingest, exp, api, zeta];
      });

      const list = (q: Partial<WorkflowQuery>) =>
        ctx.storage.workflows.list(adminView(orgId), {
          filters: [],
          logical: 'and',
          sort: [],
          page: { page: 1, size: 50 },
          ...q,
        });
      const names = async (...filters: Filter<WorkflowField>[]) => nameSet((await list({ filters })).items);

      it('filters every field type', async () => {
        expect(await names(f('id', 'equals', all[0]!.id))).toEqual(['ingest']);
        expect(await names(f('id', 'notequals', 'not-a-uuid'))).toEqual(['api_one', 'export', 'ingest', 'zeta']);
        expect(await names(f('name', 'equals', 'zeta'))).toEqual(['zeta']);
        expect(await names(f('name', 'contains', '_'))).toEqual(['api_one']);
        expect(await names(f('name', 'startswith', 'E'))).toEqual(['export']);
        expect(await names(f('name', 'endswith', 'T'))).toEqual(['export', 'ingest']);
        expect(await names(f('name', 'notcontains', 'X'))).toEqual(['api_one', 'ingest', 'zeta']);
        expect(await names(f('name', 'oneof', ['zeta', 'export']))).toEqual(['export', 'zeta']);
        expect(await names(f('name', 'notoneof', ['zeta', 'export']))).toEqual(['api_one', 'ingest']);
        expect(await names(f('description', 'isempty'))).toEqual(['export']);
        expect(await names(f('description', 'isnotempty'))).toEqual(['api_one', 'ingest', 'zeta']);
        expect(await names(f('description', 'contains', '0%'))).toEqual(['api_one']);
        expect(await names(f('description', 'notequals', 'Reads files'))).toEqual(['api_one', 'zeta']);
        expect(await names(f('ownerId', 'equals', otherId))).toEqual(['api_one', 'zeta']);
        expect(await names(f('ownerId', 'notoneof', [otherId]))).toEqual(['export', 'ingest']);
        expect(await names(f('isActive', 'equals', false))).toEqual(['export']);
        expect(await names(f('isActive', 'notequals', false))).toEqual(['api_one', 'ingest', 'zeta']);
        expect(await names(f('deploymentType', 'equals', 'ETL'))).toEqual(['ingest', 'zeta']);
        expect(await names(f('deploymentType', 'oneof', ['API', 'TASK']))).toEqual(['api_one', 'export']);
        expect(await names(f('createdAt', 'equals', at(2)))).toEqual(['api_one', 'export']);
        expect(await names(f('createdAt', 'in', [at(1), at(2)]))).toEqual(['api_one', 'export', 'ingest']);
        expect(await names(f('createdAt', 'gt', at(3)))).toEqual(['zeta']);
        expect(await names(f('updatedAt', 'gte', at(9)))).toEqual(['export']);
        expect(await names(f('updatedAt', 'lt', at(2)))).toEqual(['ingest']);
        expect(await names(f('search', 'contains', 'PORT'))).toEqual(['export']);
        expect(await names(f('search', 'contains', '_'))).toEqual(['api_one']);
        expect(
          nameSet(
            (await list({ logical: 'or', filters: [f('name', 'equals', 'zeta'), f('isActive', 'equals', false)] }))
              .items,
          ),
        ).toEqual(['export', 'zeta']);
        expect(
          nameSet((await list({ logical: 'or', filters: [], required: [f('ownerId', 'equals', ownerId)] })).items),
        ).toEqual(['export', 'ingest']);
      });

      for (const field of WORKFLOW_SORTS)
        for (const direction of ['asc', 'desc'] as const)
          it(`sorts by ${field} ${direction}, then id`, async () => {
            const sort: SortKey<WorkflowSort>[] = [{ field, direction }];
            const want = expectedOrder(
              all.map((w) => w.toState()),
              sort,
              (w, k) => w[k as keyof typeof w] as Date | string,
            );
            expect((await list({ sort })).items.map((w) => w.id)).toEqual(want);
          });

      it('pages with the exact total', async () => {
        const sort: SortKey<WorkflowSort>[] = [{ field: 'name', direction: 'asc' }];
        expect((await list({ sort, page: { page: 1, size: 3 } })).items.map((w) => w.name)).toEqual([
          'api_one',
          'export',
          'ingest',
        ]);
        const p2 = await list({ sort, page: { page: 2, size: 3 } });
        expect([p2.total, p2.items.map((w) => w.name)]).toEqual([4, ['zeta']]);
        expect(await list({ sort, page: { page: 3, size: 3 } })).toEqual({ items: [], total: 4 });
      });
    });
  });
}
