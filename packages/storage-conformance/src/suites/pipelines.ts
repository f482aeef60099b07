import { describe, expect, it } from '@jest/globals';
import { DEFAULT_RETRY_POLICY, Schedule } from '@pipewright/core';
import { adminView, at, uuid } from '../fixtures.js';
import { comparable, expectConflict, idSet } from '../expectations.js';
import { useStorage, type StorageFactory } from '../harness.js';

/** Pipeline CRUD, name uniqueness, copies, tag links, cascades, scheduled and per-workflow lists. */
export function pipelineSuite(factory: StorageFactory): void {
  describe('pipelines', () => {
    const ctx = useStorage(factory);

    async function world() {
      const org = await ctx.fx.org();
      const owner = await ctx.fx.memberUser(org, { name: 'owner' });
      const workflow = await ctx.fx.workflow(org, owner);
      return { org, owner, workflow };
    }

    it('inserts a pipeline and finds it by id and seq, with every field', async () => {
      const { org, owner, workflow } = await world();
      const red = await ctx.fx.tag(org, owner, { name: 'red' });
      const blue = await ctx.fx.tag(org, owner, { name: 'blue' });
      const p = await ctx.fx.pipeline(org, owner, workflow, {
        name: 'nightly',
        description: 'Loads the warehouse',
        type: 'ETL',
        schedule: Schedule.cron('*/15 3 * * 1-5', 'Europe/Rome'),
        updatedAtColumn: 'updated_at',
        tags: [red, blue],
        retry: { maxAttempts: 4, backoffSeconds: 7, backoffMultiplier: 1.5, maxBackoffSeconds: 90 },
        runTimeoutSeconds: 900,
        now: at(3, 456),
      });
      expect((await ctx.storage.pipelines.findById(p.id))!.runTimeoutSeconds).toBe(900);
      expect((await ctx.storage.pipelines.findById(p.id))!.retry.spec).toEqual({
        maxAttempts: 4,
        backoffSeconds: 7,
        backoffMultiplier: 1.5,
        maxBackoffSeconds: 90,
      });
      expect(comparable((await ctx.storage.pipelines.findById(p.id))!.toState())).toEqual(comparable(p.toState()));
      expect(comparable((await ctx.storage.pipelines.findBySeq(p.seq))!.toState())).toEqual(comparable(p.toState()));
      expect(await ctx.storage.pipelines.findById(uuid())).toBeNull();
      expect(await ctx.storage.pipelines.findBySeq(2 ** 31 - 1)).toBeNull();
    });

    it('returns copies: changing a loaded or inserted pipeline changes nothing until update', async () => {
      const { org, owner, workflow } = await world();
      const p = await ctx.fx.pipeline(org, owner, workflow, { name: 'first' });
      p.rename('changed-after-insert', owner.id, at(1));
      const loaded = (await ctx.storage.pipelines.findById(p.id))!;
      expect(loaded.name).toBe('first');
      loaded.rename('second', owner.id, at(2));
      loaded.disable(owner.id, at(2));
      expect((await ctx.storage.pipelines.findById(p.id))!.name).toBe('first');
      await ctx.storage.pipelines.update(loaded);
      const saved = (await ctx.storage.pipelines.findById(p.id))!;
      expect(saved.name).toBe('second');
      expect(saved.enabled).toBe(false);
      expect(comparable(saved.toState())).toEqual(comparable(loaded.toState()));
    });

    it('saves every changed field on update', async () => {
      const { org, owner, workflow } = await world();
      const friend = await ctx.fx.memberUser(org);
      const other = await ctx.fx.workflow(org, owner);
      const tag = await ctx.fx.tag(org, owner);
      const p = await ctx.fx.pipeline(org, owner, workflow);
      p.describe('now described', owner.id, at(1));
      p.changeType('TASK', owner.id, at(1));
      p.bindWorkflow(other.id, owner.id, at(1));
      p.reschedule(Schedule.period('6h'), owner.id, at(1));
      p.configureIncremental(true, 'modified', owner.id, at(1));
      p.share([friend.id], true, owner.id, at(1));
      p.addTag(tag, owner.id, at(1));
      p.advanceCursor('2026-01-01T00:00:00.000Z');
      p.configureRetry(
        { maxAttempts: 10, backoffSeconds: 3_600, backoffMultiplier: 2.25, maxBackoffSeconds: 86_400 },
        owner.id,
        at(1),
      );
      p.limitRunTime(120, owner.id, at(1));
      const run = await ctx.fx.run({ org, pipeline: p, status: 'EXECUTING', createdAt: at(1, 1) });
      p.recordRunStarted({ id: run.id, status: run.status, createdAt: run.createdAt });
      await ctx.storage.pipelines.update(p);
      expect(comparable((await ctx.storage.pipelines.findById(p.id))!.toState())).toEqual(comparable(p.toState()));
    });

    it('stores the default retry policy (one attempt) when none is given', async () => {
      const { org, owner, workflow } = await world();
      const p = await ctx.fx.pipeline(org, owner, workflow);
      expect((await ctx.storage.pipelines.findById(p.id))!.retry.spec).toEqual(DEFAULT_RETRY_POLICY);
    });

    it('stores no run time limit unless one is set, and clears it again', async () => {
      const { org, owner, workflow } = await world();
      const p = await ctx.fx.pipeline(org, owner, workflow);
      expect((await ctx.storage.pipelines.findById(p.id))!.runTimeoutSeconds).toBeNull();
      p.limitRunTime(30, owner.id, at(1));
      await ctx.storage.pipelines.update(p);
      expect((await ctx.storage.pipelines.findById(p.id))!.runTimeoutSeconds).toBe(30);
      p.limitRunTime(null, owner.id, at(2));
      await ctx.storage.pipelines.update(p);
      expect((await ctx.storage.pipelines.findById(p.id))!.runTimeoutSeconds).toBeNull();
    });

    it('rejects a name already used in the organization, on insert and on update', async () => {
      const { org, owner, workflow } = await world();
      await ctx.fx.pipeline(org, owner, workflow, { name: 'taken' });
      const twin = await ctx.fx.buildPipeline(org, owner, workflow, { name: 'taken' });
      // The conflict names the organization the name is taken in (dialects word it: ZenML's project).
      expect(await expectConflict(ctx.storage.pipelines.insert(twin), 'name')).toMatchObject({
        entity: 'pipeline',
        value: 'taken',
        orgId: org.id,
      });
      expect(await ctx.storage.pipelines.findById(twin.id)).toBeNull();

      const free = await ctx.fx.pipeline(org, owner, workflow, { name: 'free' });
      free.rename('taken', owner.id, at(1));
      expect(await expectConflict(ctx.storage.pipelines.update(free), 'name')).toMatchObject({ orgId: org.id });
      expect((await ctx.storage.pipelines.findById(free.id))!.name).toBe('free');
    });

    it('allows the same name in another organization', async () => {
      const a = await world();
      const b = await world();
      await ctx.fx.pipeline(a.org, a.owner, a.workflow, { name: 'shared-name' });
      const p = await ctx.fx.pipeline(b.org, b.owner, b.workflow, { name: 'shared-name' });
      expect((await ctx.storage.pipelines.findById(p.id))!.name).toBe('shared-name');
    });

    it('saves tag links on insert and update', async () => {
      const { org, owner, workflow } = await world();
      const red = await ctx.fx.tag(org, owner);
      const blue = await ctx.fx.tag(org, owner);
      const green = await ctx.fx.tag(org, owner);
      const p = await ctx.fx.pipeline(org, owner, workflow, { tags: [red, blue] });
      expect([...(await ctx.storage.pipelines.findById(p.id))!.tagIds].sort()).toEqual([red.id, blue.id].sort());
      p.removeTag(red.id, owner.id, at(1));
      p.addTag(green, owner.id, at(1));
      await ctx.storage.pipelines.update(p);
      expect([...(await ctx.storage.pipelines.findById(p.id))!.tagIds].sort()).toEqual([blue.id, green.id].sort());
      p.removeTag(blue.id, owner.id, at(2));
      p.removeTag(green.id, owner.id, at(2));
      await ctx.storage.pipelines.update(p);
      expect((await ctx.storage.pipelines.findById(p.id))!.tagIds).toEqual([]);
    });

    it('deletes a pipeline with its runs, logs, file executions, keys and tag links, and unlinks it from other runs', async () => {
      const { org, owner, workflow } = await world();
      const tag = await ctx.fx.tag(org, owner);
      const doomed = await ctx.fx.pipeline(org, owner, workflow, { tags: [tag] });
      const kept = await ctx.fx.pipeline(org, owner, workflow, { tags: [tag] });
      const oldRun = await ctx.fx.run({ org, pipeline: doomed, status: 'COMPLETED', createdAt: at(1) });
      const openRun = await ctx.fx.run({ org, pipeline: doomed, status: 'EXECUTING', createdAt: at(2) });
      const exec = ctx.fx.fileExecution(oldRun);
      await ctx.storage.fileExecutions.save(exec);
      await ctx.storage.runLogs.append([
        ctx.fx.log(oldRun),
        ctx.fx.log(openRun),
        ctx.fx.log(oldRun, { fileExecutionId: exec.id }),
      ]);
      const linked = await ctx.fx.buildRun({ org, pipeline: kept, status: 'COMPLETED' });
      linked.linkPipelines([doomed.id, kept.id], at(3));
      await ctx.storage.runs.insert(linked);
      const pipelineKey = await ctx.fx.apiKey({ org, kind: 'pipeline', targetId: doomed.id, createdBy: owner });
      const otherKey = await ctx.fx.apiKey({ org, kind: 'pipeline', targetId: kept.id, createdBy: owner });
      const personalKey = await ctx.fx.apiKey({ org, kind: 'personal', targetId: owner.id, createdBy: owner });

      await ctx.storage.pipelines.delete(doomed.id);

      expect(await ctx.storage.pipelines.findById(doomed.id)).toBeNull();
      expect(await ctx.storage.runs.findById(oldRun.id)).toBeNull();
      expect(await ctx.storage.runs.findById(openRun.id)).toBeNull();
      expect(await ctx.storage.runs.findOpenForPipeline(doomed.id)).toBeNull();
      expect((await ctx.storage.runLogs.list(oldRun.id, {}, { page: 1, size: 10 })).total).toBe(0);
      expect((await ctx.storage.runLogs.list(openRun.id, {}, { page: 1, size: 10 })).total).toBe(0);
      expect((await ctx.storage.fileExecutions.listByRun(oldRun.id, { page: 1, size: 10 })).total).toBe(0);
      expect(await ctx.storage.apiKeys.findById(pipelineKey.id)).toBeNull();
      expect(await ctx.storage.apiKeys.findById(otherKey.id)).not.toBeNull();
      expect(await ctx.storage.apiKeys.findById(personalKey.id)).not.toBeNull();
      expect((await ctx.storage.tags.taggedCounts([tag.id])).get(tag.id)).toBe(1);
      expect((await ctx.storage.runs.findById(linked.id))!.linkedPipelineIds).toEqual([kept.id]);
      expect(
        idSet(
          (
            await ctx.storage.pipelines.list(adminView(org.id), {
              filters: [],
              logical: 'and',
              sort: [],
              page: { page: 1, size: 10 },
            })
          ).items,
        ),
      ).toEqual([kept.id]);
      // The name is free again.
      await ctx.fx.pipeline(org, owner, workflow, { name: doomed.name });
    });

    it('deleting an unknown pipeline is a no-op', async () => {
      await expect(ctx.storage.pipelines.delete(uuid())).resolves.toBeUndefined();
    });

    it('lists enabled scheduled pipelines of every organization', async () => {
      const a = await world();
      const b = await world();
      const cron = await ctx.fx.pipeline(a.org, a.owner, a.workflow, { schedule: Schedule.cron('0 * * * *') });
      const period = await ctx.fx.pipeline(b.org, b.owner, b.workflow, { schedule: Schedule.period('1h') });
      const disabled = await ctx.fx.pipeline(a.org, a.owner, a.workflow, {
        schedule: Schedule.period('1h'),
        enabled: false,
      });
      const unscheduled = await ctx.fx.pipeline(a.org, a.owner, a.workflow);
      const ids = (await ctx.storage.pipelines.listScheduled()).map((p) => p.id);
      expect(ids).toEqual(expect.arrayContaining([cron.id, period.id]));
      expect(ids).not.toContain(disabled.id);
      expect(ids).not.toContain(unscheduled.id);
      const loaded = (await ctx.storage.pipelines.listScheduled()).find((p) => p.id === cron.id)!;
      expect(loaded.schedule?.spec).toEqual({ kind: 'cron', cron: '0 * * * *', timezone: null });
    });

    it('lists the pipelines bound to a workflow', async () => {
      const { org, owner, workflow } = await world();
      const other = await ctx.fx.workflow(org, owner);
      const p1 = await ctx.fx.pipeline(org, owner, workflow);
      const p2 = await ctx.fx.pipeline(org, owner, workflow, { enabled: false });
      await ctx.fx.pipeline(org, owner, other);
      expect(idSet(await ctx.storage.pipelines.listByWorkflow(workflow.id))).toEqual([p1.id, p2.id].sort());
      expect(await ctx.storage.pipelines.listByWorkflow(uuid())).toEqual([]);
      const moved = (await ctx.storage.pipelines.findById(p2.id))!;
      moved.bindWorkflow(other.id, owner.id, at(1));
      await ctx.storage.pipelines.update(moved);
      expect(idSet(await ctx.storage.pipelines.listByWorkflow(workflow.id))).toEqual([p1.id]);
    });
  });
}
