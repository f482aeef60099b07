import {
  ConflictError,
  NotFoundError,
  PermissionDeniedError,
  PipelineDisabledError,
  ValidationError,
  emptyCounters,
  query,
  type Actor,
} from '@pipewright/core';
import { world, type World } from './harness.js';

/**
 * Multi-step operations that dialects used to chain in route handlers, now one core use case
 * each, in one transaction: the success path and a failure that leaves nothing half-written.
 */
describe('one use case, one transaction', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });

  const workflowNames = async (actor: Actor = w.admin) =>
    (await w.core.workflows.list(actor, query({ page: { page: 1, size: 100 } }))).items.map((wf) => wf.name).sort();
  const pipelineNames = async () =>
    (await w.core.pipelines.list(w.admin, query({ page: { page: 1, size: 100 } }))).items.map((p) => p.name).sort();

  describe('pipelines.create with a workflow', () => {
    it('creates an inline workflow with the pipeline, bound to it, and names the first key', async () => {
      const { pipeline, key } = await w.core.pipelines.create(w.owner, {
        name: '  orders ',
        workflow: { inline: { stages: { filter: 'total > 10' } } },
        keyDescription: (name) => `API Key for ${name}`,
      });
      const wf = await w.core.workflows.get(w.owner, pipeline.workflowId);
      expect(wf.name).toMatch(/^orders \([0-9A-Za-z]{8}\)$/);
      expect(wf.description).toBe('Defined inline with pipeline "  orders ".');
      expect(wf.definition.stages.filter).toBe('total > 10');
      expect(wf.ownerId).toBe(w.owner.userId);
      expect(key.key.description).toBe('API Key for orders');
      expect((await w.core.apiKeys.listPipelineKeys(w.owner, pipeline.id)).map((k) => k.description)).toEqual([
        'API Key for orders',
      ]);
    });

    it('leaves no workflow behind when the pipeline is refused (an invalid field, a taken name)', async () => {
      const before = await workflowNames();
      await expect(
        w.core.pipelines.create(w.owner, {
          name: 'bad',
          workflow: { inline: { stages: {} } },
          updatedAtColumn: 'not a column!',
        }),
      ).rejects.toThrow(ValidationError);
      await w.core.pipelines.create(w.owner, { name: 'taken', workflowId: w.workflowId });
      await expect(w.core.pipelines.create(w.owner, { name: 'taken', workflow: { inline: {} } })).rejects.toThrow(
        ConflictError,
      );
      expect(await workflowNames()).toEqual(before);
      expect(await pipelineNames()).toEqual(['taken']);
    });

    it('binds a named workflow the actor can see; a hidden one is not found, with its id', async () => {
      const { pipeline } = await w.core.pipelines.create(w.owner, { name: 'by-id', workflow: { id: w.workflowId } });
      expect(pipeline.workflowId).toBe(w.workflowId);
      await expect(
        w.core.pipelines.create(w.stranger, { name: 'hidden', workflow: { id: w.workflowId } }),
      ).rejects.toMatchObject({
        constructor: NotFoundError,
        entity: 'Workflow',
        id: w.workflowId,
      });
      await expect(
        w.core.pipelines.create(w.owner, { name: 'both', workflowId: w.workflowId, workflow: { id: w.workflowId } }),
      ).rejects.toThrow(ValidationError);
      expect(await pipelineNames()).toEqual(['by-id']);
    });
  });

  describe('pipelines.update with a definition and sharing', () => {
    it('changes the workflow definition (stage settings merged), the fields and the sharing together', async () => {
      const { pipeline } = await w.core.pipelines.create(w.owner, {
        name: 'p',
        workflow: { inline: { stages: { filter: 'a', transformation: 'b' } } },
      });
      const updated = await w.core.pipelines.update(w.owner, pipeline.id, {
        name: 'p2',
        definition: { stages: { filter: 'c' } },
        sharing: { userIds: [w.friend.userId] },
      });
      expect(updated.name).toBe('p2');
      expect(updated.sharedUserIds).toEqual([w.friend.userId]);
      expect(updated.sharedToOrg).toBe(false);
      expect((await w.core.workflows.get(w.owner, pipeline.workflowId)).definition.stages).toEqual({
        filter: 'c',
        transformation: 'b',
      });
      // A part of the sharing not given keeps its value.
      const again = await w.core.pipelines.update(w.owner, pipeline.id, { sharing: { toOrg: true } });
      expect(again.sharedUserIds).toEqual([w.friend.userId]);
      expect(again.sharedToOrg).toBe(true);
    });

    it('changes nothing when a later part fails: the definition stays, the sharing stays', async () => {
      const { pipeline } = await w.core.pipelines.create(w.owner, {
        name: 'p',
        workflow: { inline: { stages: { filter: 'a' } } },
      });
      await w.core.pipelines.create(w.owner, { name: 'other', workflowId: w.workflowId });
      await expect(
        w.core.pipelines.update(w.owner, pipeline.id, { name: 'other', definition: { stages: { filter: 'z' } } }),
      ).rejects.toThrow(ConflictError);
      await expect(
        w.core.pipelines.update(w.owner, pipeline.id, {
          description: 'x',
          definition: { stages: { filter: 'z' } },
          sharing: { userIds: [w.outsider.userId] },
        }),
      ).rejects.toMatchObject({ issues: [{ field: 'sharedUserIds' }] });
      const saved = await w.core.pipelines.get(w.owner, pipeline.id);
      expect(saved.name).toBe('p');
      expect(saved.description).toBeNull();
      expect(saved.sharedUserIds).toEqual([]);
      expect((await w.core.workflows.get(w.owner, pipeline.workflowId)).definition.stages).toEqual({ filter: 'a' });
    });

    it('rebinds to a named workflow; a hidden one is not found and changes nothing', async () => {
      const { pipeline } = await w.core.pipelines.create(w.owner, { name: 'p', workflowId: w.workflowId });
      const mine = await w.core.workflows.create(w.friend, { name: 'friend-wf' });
      await expect(
        w.core.pipelines.update(w.owner, pipeline.id, { name: 'renamed', workflow: { id: mine.id } }),
      ).rejects.toMatchObject({ entity: 'Workflow', id: mine.id });
      expect((await w.core.pipelines.get(w.owner, pipeline.id)).name).toBe('p');
      await w.core.workflows.share(w.friend, mine.id, { toOrg: true });
      expect((await w.core.pipelines.update(w.owner, pipeline.id, { workflow: { id: mine.id } })).workflowId).toBe(
        mine.id,
      );
    });
  });

  describe('workflows.update with sharing', () => {
    it('shares with the rest of the change, or not at all', async () => {
      const wf = await w.core.workflows.create(w.owner, { name: 'shared' });
      await expect(
        w.core.workflows.update(w.owner, wf.id, { description: 'd', sharing: { userIds: [w.outsider.userId] } }),
      ).rejects.toThrow(ValidationError);
      expect((await w.core.workflows.get(w.owner, wf.id)).description).toBeNull();
      const saved = await w.core.workflows.update(w.owner, wf.id, {
        description: 'd',
        sharing: { userIds: [w.friend.userId], toOrg: false },
      });
      expect(saved.description).toBe('d');
      expect(saved.sharedUserIds).toEqual([w.friend.userId]);
    });
  });

  describe('admin.setMode with cancelOpenRuns', () => {
    it('cancels the open runs with the mode change, and tells the executor after commit', async () => {
      const a = (await w.core.pipelines.create(w.owner, { name: 'a', workflowId: w.workflowId })).pipeline;
      const b = (await w.core.pipelines.create(w.owner, { name: 'b', workflowId: w.workflowId })).pipeline;
      const pending = await w.core.runs.trigger(w.owner, a.id);
      const executing = await w.core.runs.trigger(w.owner, b.id);
      await w.core.lifecycle.begin(executing.id, 30_000);
      const org = await w.core.admin.setMode(w.admin, 'maintenance', { cancelOpenRuns: true });
      expect(org.mode).toBe('maintenance');
      expect((await w.core.runs.get(w.admin, pending.id)).status).toBe('STOPPED');
      expect((await w.core.runs.get(w.admin, executing.id)).status).toBe('STOPPING');
      expect((await w.core.pipelines.get(w.admin, a.id)).lastRun).toMatchObject({ id: pending.id, status: 'STOPPED' });
      expect(w.rec.cancelled.sort()).toEqual([pending.id, executing.id].sort());
    });

    it('leaves runs alone without the option, in normal mode, and when the caller may not change the mode', async () => {
      const a = (await w.core.pipelines.create(w.owner, { name: 'a', workflowId: w.workflowId })).pipeline;
      const run = await w.core.runs.trigger(w.owner, a.id);
      await expect(w.core.admin.setMode(w.owner, 'maintenance', { cancelOpenRuns: true })).rejects.toThrow(
        PermissionDeniedError,
      );
      await w.core.admin.setMode(w.admin, 'normal', { cancelOpenRuns: true });
      await w.core.admin.setMode(w.admin, 'inspection');
      expect((await w.core.runs.get(w.admin, run.id)).status).toBe('PENDING');
      expect(w.rec.cancelled).toEqual([]);
    });
  });

  describe('workflows.ensureOrgDefault', () => {
    it('creates the default once, shared with the organization, and finds it afterwards for any member', async () => {
      const first = await w.core.workflows.ensureOrgDefault(w.owner, { name: 'zenml-default', description: 'd' });
      expect(first.sharedToOrg).toBe(true);
      expect((await w.core.workflows.ensureOrgDefault(w.friend, { name: 'zenml-default' })).id).toBe(first.id);
      expect((await workflowNames()).filter((n) => n === 'zenml-default')).toHaveLength(1);
    });

    it('creates nothing when the workflow is refused', async () => {
      const before = await workflowNames();
      await expect(w.core.workflows.ensureOrgDefault(w.owner, { name: '' })).rejects.toThrow(ValidationError);
      expect(await workflowNames()).toEqual(before);
    });
  });

  describe('run reads', () => {
    it('lastRunsOf: the last n runs of each visible pipeline, oldest first, and none for others', async () => {
      const a = (await w.core.pipelines.create(w.owner, { name: 'a', workflowId: w.workflowId })).pipeline;
      const idle = (await w.core.pipelines.create(w.owner, { name: 'idle', workflowId: w.workflowId })).pipeline;
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        const run = await w.core.runs.trigger(w.owner, a.id);
        ids.push(run.id);
        await w.core.runs.cancel(w.owner, run.id);
      }
      const pipelines = [await w.core.pipelines.get(w.owner, a.id), idle];
      const last = await w.core.runs.lastRunsOf(w.owner, pipelines, 5);
      expect(last.get(a.id)!.map((r) => r.id)).toEqual(ids.slice(2));
      expect(last.get(idle.id)).toEqual([]);
      expect((await w.core.runs.lastRunsOf(w.stranger, pipelines, 5)).get(a.id)).toEqual([]);
    });

    it('isRunning: true while a run is open', async () => {
      const a = (await w.core.pipelines.create(w.owner, { name: 'a', workflowId: w.workflowId })).pipeline;
      expect(await w.core.runs.isRunning(w.owner, a)).toBe(false);
      const run = await w.core.runs.trigger(w.owner, a.id);
      expect(await w.core.runs.isRunning(w.owner, a)).toBe(true);
      await w.core.runs.cancel(w.owner, run.id);
      expect(await w.core.runs.isRunning(w.owner, a)).toBe(false);
      await expect(w.core.runs.isRunning(w.stranger, a)).rejects.toThrow(NotFoundError);
    });

    it('waitForEnd: returns the ended run, or the run as it is at the timeout or when aborted', async () => {
      const a = (await w.core.pipelines.create(w.owner, { name: 'a', workflowId: w.workflowId })).pipeline;
      const run = await w.core.runs.trigger(w.owner, a.id);
      expect((await w.core.runs.waitForEnd(w.owner, run.id, { timeoutMs: 30, pollMs: 5 })).status).toBe('PENDING');
      const gone = new AbortController();
      gone.abort();
      const started = Date.now();
      expect((await w.core.runs.waitForEnd(w.owner, run.id, { timeoutMs: 60_000, signal: gone.signal })).status).toBe(
        'PENDING',
      );
      expect(Date.now() - started).toBeLessThan(1000);
      const began = await w.core.lifecycle.begin(run.id, 30_000);
      const waiting = w.core.runs.waitForEnd(w.owner, run.id, { timeoutMs: 60_000, pollMs: 5 });
      await w.core.lifecycle.finish(run.id, began!.holder, {
        status: 'COMPLETED',
        stages: emptyCounters(),
        files: { total: 0, ok: 0, failed: 0 },
      });
      expect((await waiting).status).toBe('COMPLETED');
      await expect(w.core.runs.waitForEnd(w.stranger, run.id, { timeoutMs: 10 })).rejects.toThrow(NotFoundError);
    });
  });

  describe("locate: one lookup across the principal's organizations", () => {
    it('finds a pipeline, run and tag in whichever organization holds them; NotFound names the entity and id', async () => {
      const globexAdmin: Actor = { ...w.admin, orgId: w.outsider.orgId };
      const { pipeline } = await w.core.pipelines.create(globexAdmin, { name: 'far', workflow: { inline: {} } });
      const run = await w.core.runs.trigger(globexAdmin, pipeline.id);
      const principal = { via: 'token' as const, userId: w.admin.userId };
      const found = await w.core.locate.pipeline(principal, pipeline.id);
      expect(found.value.id).toBe(pipeline.id);
      expect(found.actor.orgId).toBe(w.outsider.orgId);
      expect((await w.core.locate.run(principal, run.id)).value.id).toBe(run.id);
      expect((await w.core.locate.member(principal, 'outsider@globex.io')).actor.orgId).toBe(w.outsider.orgId);
      await expect(w.core.locate.pipeline({ via: 'token', userId: w.owner.userId }, pipeline.id)).rejects.toMatchObject(
        {
          constructor: NotFoundError,
          entity: 'Pipeline',
          id: pipeline.id,
        },
      );
      await expect(w.core.locate.tag(principal, 'nosuch')).rejects.toMatchObject({ entity: 'Tag', id: 'nosuch' });
    });
  });

  describe('errors carry what dialects word them with', () => {
    it('PipelineDisabledError names the pipeline', async () => {
      const { pipeline } = await w.core.pipelines.create(w.owner, {
        name: 'sleepy',
        workflowId: w.workflowId,
        enabled: false,
      });
      await expect(w.core.runs.trigger(w.owner, pipeline.id)).rejects.toMatchObject({
        constructor: PipelineDisabledError,
        pipelineId: pipeline.id,
        pipelineSeq: pipeline.seq,
        pipelineName: 'sleepy',
      });
    });
  });

  describe('accounts with their profile, members with their role', () => {
    it('creates an account with its profile in one transaction; a bad profile leaves no account', async () => {
      const created = await w.core.admin.createUser(w.admin, {
        email: 'new@acme.io',
        password: 'a-decent-passphrase',
        profile: { emailOptedIn: true, metadata: { team: 'data' } },
      });
      expect(created.user.toState()).toMatchObject({ emailOptedIn: true, metadata: { team: 'data' } });
      await expect(
        w.core.admin.createUser(w.admin, {
          email: 'half@acme.io',
          password: 'a-decent-passphrase',
          profile: { metadata: [] as unknown as Record<string, unknown> },
        }),
      ).rejects.toThrow(ValidationError);
      expect(await w.storage.users.findByEmail('half@acme.io')).toBeNull();
    });

    it("changes a member's profile and role together, or neither", async () => {
      const changed = await w.core.users.updateMember(w.admin, w.owner.userId, { name: 'Owner' }, 'admin');
      expect(changed.role).toBe('admin');
      expect((await w.storage.memberships.find(w.admin.orgId, w.owner.userId))?.role).toBe('admin');
      await expect(w.core.users.updateMember(w.admin, w.owner.userId, { name: '' }, 'member')).rejects.toThrow(
        ValidationError,
      );
      expect((await w.storage.memberships.find(w.admin.orgId, w.owner.userId))?.role).toBe('admin');
      expect((await w.storage.users.findById(w.owner.userId))?.name).toBe('Owner');
      // A member changes their own profile, not their role.
      const friend = { ...w.owner, userId: (await w.storage.users.findByEmail('friend@acme.io'))!.id };
      await expect(w.core.users.updateMember(friend, friend.userId, {}, 'admin')).rejects.toThrow(
        PermissionDeniedError,
      );
      expect((await w.core.users.updateMember(friend, friend.userId, { name: 'Friend' })).user.name).toBe('Friend');
    });
  });
});
