import { beforeAll, describe, expect, it } from '@jest/globals';
import { query, type Visibility } from '@pipewright/core';
import { adminView, at, userView } from '../fixtures.js';
import { useStorage, type StorageFactory } from '../harness.js';

/**
 * Who sees which pipelines, workflows and runs. In org A: `owner` owns most rows,
 * `sharee` has some shared with them, `member` has nothing of their own, `admin`
 * sees everything (`all`). Org B has its own rows that nobody in A sees.
 */
export function visibilitySuite(factory: StorageFactory): void {
  describe('visibility', () => {
    const ctx = useStorage(factory);
    const label = new Map<string, string>();
    let views: Record<'owner' | 'sharee' | 'member' | 'admin' | 'otherOrgAdmin' | 'otherOrgUser', Visibility>;

    beforeAll(async () => {
      const fx = ctx.fx;
      const orgA = await fx.org();
      const orgB = await fx.org();
      const owner = await fx.memberUser(orgA, { name: 'owner' });
      const sharee = await fx.memberUser(orgA, { name: 'sharee' });
      const member = await fx.memberUser(orgA, { name: 'member' });
      const admin = await fx.memberUser(orgA, { name: 'admin', role: 'admin' });
      const outsider = await fx.memberUser(orgB, { name: 'outsider' });
      views = {
        owner: userView(orgA.id, owner.id),
        sharee: userView(orgA.id, sharee.id),
        member: userView(orgA.id, member.id),
        admin: adminView(orgA.id),
        otherOrgAdmin: adminView(orgB.id),
        // The visibility of org B: B's rows shared to its org, nothing of org A.
        otherOrgUser: userView(orgB.id, owner.id),
      };
      const name = <T extends { id: string }>(x: T, n: string): T => {
        label.set(x.id, n);
        return x;
      };

      // Workflows: private, shared with sharee, shared to the org, the admin's own; one in org B.
      const wPrivate = name(await fx.workflow(orgA, owner, { name: 'w-private' }), 'w-private');
      const wShared = name(await fx.workflow(orgA, owner, { name: 'w-shared' }), 'w-shared');
      wShared.share([sharee.id], false, owner.id, at(1));
      await fx.storage.workflows.update(wShared);
      const wOrg = name(await fx.workflow(orgA, owner, { name: 'w-org' }), 'w-org');
      wOrg.share([], true, owner.id, at(1));
      await fx.storage.workflows.update(wOrg);
      const wAdmin = name(await fx.workflow(orgA, admin, { name: 'w-admin' }), 'w-admin');
      const wForeign = name(await fx.workflow(orgB, outsider, { name: 'w-foreign' }), 'w-foreign');
      wForeign.share([], true, outsider.id, at(1));
      await fx.storage.workflows.update(wForeign);

      // Pipelines, the same way (all on wPrivate: a pipeline's visibility is its own).
      const pPrivate = name(await fx.pipeline(orgA, owner, wPrivate, { name: 'p-private' }), 'p-private');
      const pShared = name(await fx.pipeline(orgA, owner, wPrivate, { name: 'p-shared' }), 'p-shared');
      pShared.share([sharee.id], false, owner.id, at(1));
      await fx.storage.pipelines.update(pShared);
      const pOrg = name(await fx.pipeline(orgA, owner, wPrivate, { name: 'p-org' }), 'p-org');
      pOrg.share([], true, owner.id, at(1));
      await fx.storage.pipelines.update(pOrg);
      const pAdmin = name(await fx.pipeline(orgA, admin, wOrg, { name: 'p-admin' }), 'p-admin');
      const pForeign = name(await fx.pipeline(orgB, outsider, wForeign, { name: 'p-foreign' }), 'p-foreign');
      pForeign.share([], true, outsider.id, at(1));
      await fx.storage.pipelines.update(pForeign);

      // Runs: through their pipeline, through the workflow when pipeline-less, through linked pipelines.
      const run = async (n: string, input: Parameters<typeof fx.buildRun>[0], linked: string[] = []) => {
        const r = await fx.buildRun({ status: 'COMPLETED', ...input });
        if (linked.length) r.linkPipelines(linked, at(2));
        await fx.storage.runs.insert(r);
        name(r, n);
      };
      await run('r-private', { org: orgA, pipeline: pPrivate });
      await run('r-shared', { org: orgA, pipeline: pShared });
      await run('r-org', { org: orgA, pipeline: pOrg });
      // Its workflow (wOrg) is visible to everyone, but a run with a pipeline follows the pipeline.
      await run('r-admin', { org: orgA, pipeline: pAdmin });
      await run('r-wf-private', { org: orgA, pipeline: null, workflow: wPrivate });
      await run('r-wf-shared', { org: orgA, pipeline: null, workflow: wShared });
      await run('r-wf-org', { org: orgA, pipeline: null, workflow: wOrg });
      await run('r-wf-admin', { org: orgA, pipeline: null, workflow: wAdmin });
      await run('r-admin-linked-shared', { org: orgA, pipeline: pAdmin }, [pShared.id]);
      await run('r-wf-admin-linked-org', { org: orgA, pipeline: null, workflow: wAdmin }, [pOrg.id]);
      await run('r-foreign', { org: orgB, pipeline: pForeign });
    });

    const names = (items: { id: string }[]) => items.map((x) => label.get(x.id) ?? x.id).sort();
    const pipelines = async (v: Visibility) =>
      names((await ctx.storage.pipelines.list(v, query({ page: { page: 1, size: 100 } }))).items);
    const workflows = async (v: Visibility) =>
      names((await ctx.storage.workflows.list(v, query({ page: { page: 1, size: 100 } }))).items);
    const runs = async (v: Visibility) => {
      const page = await ctx.storage.runs.list(v, query({ page: { page: 1, size: 100 } }));
      expect(page.total).toBe(page.items.length);
      return names(page.items);
    };
    const streamed = async (v: Visibility) => {
      const out: { id: string }[] = [];
      for await (const r of ctx.storage.runs.stream(v, { batchSize: 3 })) out.push(r);
      return names(out);
    };

    const sorted = (...xs: string[]) => [...xs].sort();

    it('pipelines: owned, shared with the user, shared to the org; all for admins; never another org', async () => {
      expect(await pipelines(views.owner)).toEqual(sorted('p-private', 'p-shared', 'p-org'));
      expect(await pipelines(views.sharee)).toEqual(sorted('p-shared', 'p-org'));
      expect(await pipelines(views.member)).toEqual(['p-org']);
      expect(await pipelines(views.admin)).toEqual(sorted('p-private', 'p-shared', 'p-org', 'p-admin'));
      expect(await pipelines(views.otherOrgAdmin)).toEqual(['p-foreign']);
      expect(await pipelines(views.otherOrgUser)).toEqual(['p-foreign']);
    });

    it('workflows: the same rule', async () => {
      expect(await workflows(views.owner)).toEqual(sorted('w-private', 'w-shared', 'w-org'));
      expect(await workflows(views.sharee)).toEqual(sorted('w-shared', 'w-org'));
      expect(await workflows(views.member)).toEqual(['w-org']);
      expect(await workflows(views.admin)).toEqual(sorted('w-private', 'w-shared', 'w-org', 'w-admin'));
      expect(await workflows(views.otherOrgAdmin)).toEqual(['w-foreign']);
    });

    it('runs: through the pipeline, the workflow of pipeline-less runs, or a linked pipeline', async () => {
      const expected = {
        owner: sorted(
          'r-private',
          'r-shared',
          'r-org',
          'r-wf-private',
          'r-wf-shared',
          'r-wf-org',
          'r-admin-linked-shared',
          'r-wf-admin-linked-org',
        ),
        sharee: sorted(
          'r-shared',
          'r-org',
          'r-wf-shared',
          'r-wf-org',
          'r-admin-linked-shared',
          'r-wf-admin-linked-org',
        ),
        member: sorted('r-org', 'r-wf-org', 'r-wf-admin-linked-org'),
        admin: sorted(
          'r-private',
          'r-shared',
          'r-org',
          'r-admin',
          'r-wf-private',
          'r-wf-shared',
          'r-wf-org',
          'r-wf-admin',
          'r-admin-linked-shared',
          'r-wf-admin-linked-org',
        ),
        otherOrgAdmin: ['r-foreign'],
      };
      for (const [who, want] of Object.entries(expected)) {
        expect([who, await runs(views[who as keyof typeof views])]).toEqual([who, want]);
        expect([who, await streamed(views[who as keyof typeof views])]).toEqual([who, want]);
      }
    });

    it('visibility is ANDed with filters, including an or', async () => {
      const page = await ctx.storage.pipelines.list(views.member, {
        filters: [
          { field: 'name', op: 'equals', value: 'p-private' },
          { field: 'name', op: 'equals', value: 'p-org' },
        ],
        logical: 'or',
        sort: [],
        page: { page: 1, size: 10 },
      });
      expect([page.total, names(page.items)]).toEqual([1, ['p-org']]);
      const runPage = await ctx.storage.runs.list(
        views.member,
        query({ filters: [{ field: 'status', op: 'equals', value: 'COMPLETED' }], logical: 'or' }),
      );
      expect(names(runPage.items)).toEqual(sorted('r-org', 'r-wf-org', 'r-wf-admin-linked-org'));
    });
  });
}
