import { describe, expect, it } from '@jest/globals';
import { useStorage, type StorageFactory } from '../harness.js';

/**
 * Deleting one run (ZenML's DELETE /runs/{id}): its logs and file executions go with it.
 * And the names ZenML filters runs by: `<pipeline name>-<index>`, or `run-<seq>`.
 */
export function runDeletionSuite(factory: StorageFactory): void {
  describe('run deletion', () => {
    const ctx = useStorage(factory);

    it('deletes a run with its logs and file executions, and nothing else', async () => {
      const org = await ctx.fx.org();
      const owner = await ctx.fx.memberUser(org);
      const workflow = await ctx.fx.workflow(org, owner);
      const run = await ctx.fx.run({ org, workflow, pipeline: null, status: 'COMPLETED' });
      const kept = await ctx.fx.run({ org, workflow, pipeline: null, status: 'COMPLETED' });
      await ctx.storage.fileExecutions.save(ctx.fx.fileExecution(run));
      await ctx.storage.runLogs.append([ctx.fx.log(run), ctx.fx.log(kept)]);
      await ctx.storage.runs.delete(run.id);
      await ctx.storage.runs.delete(run.id); // a second time: a no-op
      await ctx.storage.runs.delete('not-a-uuid');
      expect(await ctx.storage.runs.findById(run.id)).toBeNull();
      expect((await ctx.storage.runLogs.list(run.id, {}, { page: 1, size: 10 })).total).toBe(0);
      expect((await ctx.storage.fileExecutions.listByRun(run.id, { page: 1, size: 10 })).total).toBe(0);
      expect(await ctx.storage.runs.findById(kept.id)).not.toBeNull();
      expect((await ctx.storage.runLogs.list(kept.id, {}, { page: 1, size: 10 })).total).toBe(1);
    });

    it('filters runs by their display name and their pipeline’s name', async () => {
      const org = await ctx.fx.org();
      const owner = await ctx.fx.memberUser(org);
      const workflow = await ctx.fx.workflow(org, owner);
      const pipeline = await ctx.fx.pipeline(org, owner, workflow, { name: 'nightly-load' });
      const first = await ctx.fx.run({ org, pipeline, index: 1, status: 'COMPLETED' });
      const second = await ctx.fx.run({ org, pipeline, index: 12, status: 'COMPLETED' });
      const loose = await ctx.fx.run({ org, workflow, pipeline: null, status: 'COMPLETED' });
      const ids = async (filters: Parameters<typeof ctx.storage.runs.list>[1]['filters']) =>
        (
          await ctx.storage.runs.list(
            { orgId: org.id, userId: owner.id, all: true },
            { filters, logical: 'and', sort: [{ field: 'createdAt', direction: 'asc' }], page: { page: 1, size: 10 } },
          )
        ).items
          .map((r) => r.id)
          .sort();
      expect(await ids([{ field: 'name', op: 'equals', value: 'nightly-load-12' }])).toEqual([second.id]);
      expect(await ids([{ field: 'name', op: 'contains', value: 'LOAD-1' }])).toEqual([first.id, second.id].sort());
      expect(await ids([{ field: 'name', op: 'equals', value: `run-${loose.seq}` }])).toEqual([loose.id]);
      expect(await ids([{ field: 'pipelineName', op: 'startswith', value: 'nightly' }])).toEqual(
        [first.id, second.id].sort(),
      );
      expect(await ids([{ field: 'pipelineName', op: 'isempty' }])).toEqual([loose.id]);
    });
  });
}
