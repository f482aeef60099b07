import { describe, expect, it } from '@jest/globals';
import { ApiDeployment, type Organization, type User, type Workflow } from '@pipewright/core';
import { expectConflict } from '../expectations.js';
import { adminView, at, userView, uuid } from '../fixtures.js';
import { useStorage, type StorageFactory } from '../harness.js';

/** API deployments: named APIs over workflows, their keys going with them. */
export function apiDeploymentSuite(factory: StorageFactory): void {
  describe('api deployments', () => {
    const ctx = useStorage(factory);

    async function deployment(
      org: Organization,
      owner: User,
      workflow: Workflow,
      apiName: string,
      minute = 0,
    ): Promise<ApiDeployment> {
      const d = ApiDeployment.create({
        id: uuid(),
        orgId: org.id,
        workflowId: workflow.id,
        apiName,
        displayName: `API ${apiName}`,
        ownerId: owner.id,
        now: at(minute),
      });
      await ctx.storage.apiDeployments.insert(d);
      return d;
    }

    it('inserts, finds by id and by API name, updates, and keeps API names unique per organization', async () => {
      const org = await ctx.fx.org();
      const owner = await ctx.fx.memberUser(org);
      const workflow = await ctx.fx.workflow(org, owner);
      const d = await deployment(org, owner, workflow, 'invoices');
      expect((await ctx.storage.apiDeployments.findById(d.id))?.toState()).toEqual(d.toState());
      expect((await ctx.storage.apiDeployments.findByApiName(org.id, 'invoices'))?.id).toBe(d.id);
      expect(await ctx.storage.apiDeployments.findByApiName(org.id, 'nope')).toBeNull();
      expect(await ctx.storage.apiDeployments.findById('not-a-uuid')).toBeNull();

      const twin = ApiDeployment.create({
        id: uuid(),
        orgId: org.id,
        workflowId: workflow.id,
        apiName: 'invoices',
        ownerId: owner.id,
        now: at(1),
      });
      await expectConflict(ctx.storage.apiDeployments.insert(twin), 'apiName');
      // Another organization may use the same name.
      const other = await ctx.fx.org();
      const stranger = await ctx.fx.memberUser(other);
      await deployment(other, stranger, await ctx.fx.workflow(other, stranger), 'invoices');

      d.change({ displayName: 'Renamed', description: 'why', isActive: false }, owner.id, at(2));
      await ctx.storage.apiDeployments.update(d);
      expect((await ctx.storage.apiDeployments.findById(d.id))?.toState()).toEqual(d.toState());
      const second = await deployment(org, owner, workflow, 'second', 3);
      second.change({ apiName: 'invoices' }, owner.id, at(4));
      await expectConflict(ctx.storage.apiDeployments.update(second), 'apiName');
      expect((await ctx.storage.apiDeployments.listByWorkflow(workflow.id)).map((x) => x.id).sort()).toEqual(
        [d.id, second.id].sort(),
      );
    });

    it('lists the visible ones, newest first, with filters and the exact total', async () => {
      const org = await ctx.fx.org();
      const owner = await ctx.fx.memberUser(org);
      const friend = await ctx.fx.memberUser(org);
      const wfA = await ctx.fx.workflow(org, owner);
      const wfB = await ctx.fx.workflow(org, owner);
      const a = await deployment(org, owner, wfA, 'alpha', 1);
      const b = await deployment(org, owner, wfB, 'beta', 2);
      const c = await deployment(org, owner, wfB, 'gamma', 3);
      const all = await ctx.storage.apiDeployments.list(adminView(org.id), {}, { page: 1, size: 2 });
      expect(all.items.map((x) => x.id)).toEqual([c.id, b.id]);
      expect(all.total).toBe(3);
      expect(
        (
          await ctx.storage.apiDeployments.list(adminView(org.id), { workflowId: wfB.id }, { page: 1, size: 10 })
        ).items.map((x) => x.id),
      ).toEqual([c.id, b.id]);
      expect(
        (
          await ctx.storage.apiDeployments.list(adminView(org.id), { apiName: 'alpha' }, { page: 1, size: 10 })
        ).items.map((x) => x.id),
      ).toEqual([a.id]);
      expect(
        (
          await ctx.storage.apiDeployments.list(adminView(org.id), { search: 'API GAM' }, { page: 1, size: 10 })
        ).items.map((x) => x.id),
      ).toEqual([c.id]);
      expect(
        (await ctx.storage.apiDeployments.list(adminView(org.id), { search: '%' }, { page: 1, size: 10 })).total,
      ).toBe(0);
      expect(
        (await ctx.storage.apiDeployments.list(adminView(org.id), { workflowId: 'nope' }, { page: 1, size: 10 })).total,
      ).toBe(0);
      // Members see what is theirs or shared with them.
      expect(
        (await ctx.storage.apiDeployments.list(userView(org.id, friend.id), {}, { page: 1, size: 10 })).total,
      ).toBe(0);
      b.share([friend.id], false, owner.id, at(5));
      await ctx.storage.apiDeployments.update(b);
      expect(
        (await ctx.storage.apiDeployments.list(userView(org.id, friend.id), {}, { page: 1, size: 10 })).items.map(
          (x) => x.id,
        ),
      ).toEqual([b.id]);
      a.share([], true, owner.id, at(6));
      await ctx.storage.apiDeployments.update(a);
      expect(
        (await ctx.storage.apiDeployments.list(userView(org.id, friend.id), {}, { page: 1, size: 10 })).total,
      ).toBe(2);
      expect(
        (await ctx.storage.apiDeployments.list(adminView((await ctx.fx.org()).id), {}, { page: 1, size: 10 })).total,
      ).toBe(0);
    });

    it('deletes a deployment with its keys, and goes with its workflow', async () => {
      const org = await ctx.fx.org();
      const owner = await ctx.fx.memberUser(org);
      const workflow = await ctx.fx.workflow(org, owner);
      const d = await deployment(org, owner, workflow, 'doomed');
      const key = await ctx.fx.apiKey({ org, kind: 'deployment', targetId: d.id, createdBy: owner });
      const kept = await deployment(org, owner, workflow, 'kept');
      const keptKey = await ctx.fx.apiKey({ org, kind: 'deployment', targetId: kept.id, createdBy: owner });
      await ctx.storage.apiDeployments.delete(d.id);
      expect(await ctx.storage.apiDeployments.findById(d.id)).toBeNull();
      expect(await ctx.storage.apiKeys.findById(key.id)).toBeNull();
      expect(await ctx.storage.apiKeys.findById(keptKey.id)).not.toBeNull();
      await ctx.storage.workflows.delete(workflow.id);
      expect(await ctx.storage.apiDeployments.findById(kept.id)).toBeNull();
      expect(await ctx.storage.apiKeys.findById(keptKey.id)).toBeNull();
    });
  });
}
