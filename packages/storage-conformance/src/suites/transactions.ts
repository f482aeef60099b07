import { describe, expect, it } from '@jest/globals';
import { Organization, User } from '@pipewright/core';
import { adminView, at, unique, uuid } from '../fixtures.js';
import { useStorage, type StorageFactory } from '../harness.js';

class Boom extends Error {}

/** Commit, rollback, reading one's own writes, and row locks. */
export function transactionSuite(factory: StorageFactory): void {
  describe('transactions', () => {
    const ctx = useStorage(factory);

    async function world() {
      const org = await ctx.fx.org();
      const owner = await ctx.fx.memberUser(org);
      const workflow = await ctx.fx.workflow(org, owner);
      const pipeline = await ctx.fx.pipeline(org, owner, workflow);
      return { org, owner, workflow, pipeline };
    }

    it('commits when work resolves, returning its value', async () => {
      const org = Organization.create({
        id: uuid(),
        seq: await ctx.storage.organizations.nextSeq(),
        slug: unique('tx'),
        now: at(0),
      });
      const result = await ctx.storage.transaction(async (tx) => {
        await tx.organizations.insert(org);
        return 'done';
      });
      expect(result).toBe('done');
      expect(await ctx.storage.organizations.findById(org.id)).not.toBeNull();
    });

    it('rolls back every write when work throws, and rethrows the error', async () => {
      const { org, owner, workflow, pipeline } = await world();
      const run = await ctx.fx.run({ org, pipeline, status: 'COMPLETED' });
      const newOrg = Organization.create({
        id: uuid(),
        seq: await ctx.storage.organizations.nextSeq(),
        slug: unique('gone'),
        now: at(0),
      });
      const newUser = User.create({
        id: uuid(),
        seq: await ctx.storage.users.nextSeq(),
        email: `${unique('gone')}@example.test`,
        passwordHash: null,
        now: at(0),
      });
      const newPipeline = await ctx.fx.buildPipeline(org, owner, workflow);
      const newRun = await ctx.fx.buildRun({ org, pipeline: newPipeline });
      const boom = new Boom('boom');
      const outcome = ctx.storage.transaction(async (tx) => {
        await tx.organizations.insert(newOrg);
        await tx.users.insert(newUser);
        await tx.memberships.upsert({ orgId: newOrg.id, userId: newUser.id, role: 'admin', createdAt: at(0) });
        await tx.pipelines.insert(newPipeline);
        await tx.runs.insert(newRun);
        await tx.runLogs.append([ctx.fx.log(run)]);
        await tx.fileExecutions.save(ctx.fx.fileExecution(run));
        const p = (await tx.pipelines.findByIdForUpdate(pipeline.id))!;
        p.rename('renamed-in-rollback', owner.id, at(1));
        await tx.pipelines.update(p);
        await tx.pipelines.delete(pipeline.id);
        throw boom;
      });
      await expect(outcome).rejects.toBe(boom);
      expect(await ctx.storage.organizations.findById(newOrg.id)).toBeNull();
      expect(await ctx.storage.users.findById(newUser.id)).toBeNull();
      expect(await ctx.storage.memberships.find(newOrg.id, newUser.id)).toBeNull();
      expect(await ctx.storage.pipelines.findById(newPipeline.id)).toBeNull();
      expect(await ctx.storage.runs.findById(newRun.id)).toBeNull();
      expect((await ctx.storage.runLogs.list(run.id, {}, { page: 1, size: 10 })).total).toBe(0);
      expect((await ctx.storage.fileExecutions.listByRun(run.id, { page: 1, size: 10 })).total).toBe(0);
      expect((await ctx.storage.pipelines.findById(pipeline.id))?.name).toBe(pipeline.name);
      expect(await ctx.storage.runs.findById(run.id)).not.toBeNull();
    });

    it('rolls back when a repository call inside fails', async () => {
      const { org, owner, workflow } = await world();
      const first = await ctx.fx.buildPipeline(org, owner, workflow, { name: 'first' });
      const clash = await ctx.fx.buildPipeline(org, owner, workflow, { name: 'first' });
      await expect(
        ctx.storage.transaction(async (tx) => {
          await tx.pipelines.insert(first);
          await tx.pipelines.insert(clash);
        }),
      ).rejects.toThrow();
      expect(await ctx.storage.pipelines.findById(first.id)).toBeNull();
    });

    it('sees its own writes before committing', async () => {
      const { org, owner, workflow } = await world();
      const p = await ctx.fx.buildPipeline(org, owner, workflow, { name: 'inside' });
      await ctx.storage.transaction(async (tx) => {
        await tx.pipelines.insert(p);
        expect((await tx.pipelines.findById(p.id))?.name).toBe('inside');
        const page = await tx.pipelines.list(adminView(org.id), {
          filters: [{ field: 'name', op: 'equals', value: 'inside' }],
          logical: 'and',
          sort: [],
          page: { page: 1, size: 10 },
        });
        expect(page.total).toBe(1);
      });
    });

    it('serializes transactions that lock the same pipeline: every increment counts', async () => {
      const { org, pipeline } = await world();
      const runs = await Promise.all(
        Array.from({ length: 5 }, (_, i) => ctx.fx.run({ org, pipeline, status: 'COMPLETED', createdAt: at(i) })),
      );
      await Promise.all(
        runs.map((run) =>
          ctx.storage.transaction(async (tx) => {
            const p = (await tx.pipelines.findByIdForUpdate(pipeline.id))!;
            // Yield between read and write, so an unlocked read would lose updates.
            await new Promise((resolve) => setImmediate(resolve));
            p.recordRunStarted({ id: run.id, status: run.status, createdAt: run.createdAt });
            await tx.pipelines.update(p);
          }),
        ),
      );
      expect((await ctx.storage.pipelines.findById(pipeline.id))!.runCount).toBe(5);
    });

    it('serializes transactions that lock the same run and the same workflow', async () => {
      const { org, workflow, pipeline } = await world();
      const run = await ctx.fx.run({ org, pipeline, status: 'EXECUTING', startedAt: at(0) });
      await Promise.all(
        Array.from({ length: 4 }, () =>
          ctx.storage.transaction(async (tx) => {
            const r = (await tx.runs.findByIdForUpdate(run.id))!;
            await new Promise((resolve) => setImmediate(resolve));
            const files = r.files;
            r.recordProgress(r.stages, { ...files, total: files.total + 1 }, at(1));
            await tx.runs.update(r);
          }),
        ),
      );
      expect((await ctx.storage.runs.findById(run.id))!.files.total).toBe(4);

      await Promise.all(
        ['one', 'two', 'three'].map((word) =>
          ctx.storage.transaction(async (tx) => {
            const w = (await tx.workflows.findByIdForUpdate(workflow.id))!;
            await new Promise((resolve) => setImmediate(resolve));
            w.describe(`${w.description ?? ''}${word};`, w.ownerId, at(1));
            await tx.workflows.update(w);
          }),
        ),
      );
      const description = (await ctx.storage.workflows.findById(workflow.id))!.description!;
      expect(description.split(';').filter(Boolean).sort()).toEqual(['one', 'three', 'two']);
    });

    it('holds a pipeline for share: the delete waits until the holder is done', async () => {
      const { org, pipeline } = await world();
      const run = await ctx.fx.run({ org, pipeline, status: 'EXECUTING' });
      const order: string[] = [];
      let held!: () => void;
      const holding = new Promise<void>((resolve) => (held = resolve));
      const heartbeat = ctx.storage.transaction(async (tx) => {
        expect((await tx.pipelines.findByIdForShare(pipeline.id))?.id).toBe(pipeline.id);
        held();
        const r = (await tx.runs.findByIdForUpdate(run.id))!;
        await new Promise((resolve) => setTimeout(resolve, 50));
        order.push('heartbeat');
        return r.id;
      });
      await holding;
      const deletion = ctx.storage.transaction(async (tx) => {
        await tx.pipelines.findByIdForUpdate(pipeline.id);
        await tx.pipelines.delete(pipeline.id);
        order.push('delete');
      });
      expect(await heartbeat).toBe(run.id);
      await deletion;
      expect(order).toEqual(['heartbeat', 'delete']);
      expect(await ctx.storage.runs.findById(run.id)).toBeNull();
    });

    it('drops the late log lines and file executions of a run gone with its pipeline (outside a transaction)', async () => {
      const { org, pipeline } = await world();
      const run = await ctx.fx.run({ org, pipeline, status: 'EXECUTING' });
      await ctx.storage.pipelines.delete(pipeline.id);
      await ctx.storage.runLogs.append([
        { id: uuid(), runId: run.id, level: 'INFO', stage: null, message: 'late', fileExecutionId: null, time: at(1) },
      ]);
      await ctx.storage.fileExecutions.save({
        id: uuid(),
        runId: run.id,
        fileName: 'a.csv',
        filePath: 'a.csv',
        cacheKey: null,
        status: 'COMPLETED',
        error: null,
        executionTimeMs: 1,
        createdAt: at(1),
        updatedAt: at(1),
      });
      expect((await ctx.storage.runLogs.list(run.id, {}, { page: 1, size: 10 })).total).toBe(0);
      expect((await ctx.storage.fileExecutions.listByRun(run.id, { page: 1, size: 10 })).total).toBe(0);
    });

    it('returns null from findByIdForUpdate for unknown ids', async () => {
      await ctx.storage.transaction(async (tx) => {
        expect(await tx.pipelines.findByIdForShare(uuid())).toBeNull();
        expect(await tx.pipelines.findByIdForUpdate(uuid())).toBeNull();
        expect(await tx.runs.findByIdForUpdate(uuid())).toBeNull();
        expect(await tx.workflows.findByIdForUpdate(uuid())).toBeNull();
      });
    });

    it('answers ping', async () => {
      await expect(ctx.storage.ping()).resolves.toBeUndefined();
    });
  });
}
