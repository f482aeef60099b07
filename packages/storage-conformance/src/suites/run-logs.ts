import { describe, expect, it } from '@jest/globals';
import type { RunLog } from '@pipewright/core';
import { at } from '../fixtures.js';
import { useStorage, type StorageFactory } from '../harness.js';

/** Run logs (order, level and file filters, paging) and file executions of a run. */
export function runLogSuite(factory: StorageFactory): void {
  describe('run logs and file executions', () => {
    const ctx = useStorage(factory);

    async function twoRuns() {
      const org = await ctx.fx.org();
      const owner = await ctx.fx.memberUser(org);
      const workflow = await ctx.fx.workflow(org, owner);
      const run = await ctx.fx.run({ org, workflow, pipeline: null, status: 'EXECUTING' });
      const other = await ctx.fx.run({ org, workflow, pipeline: null, status: 'EXECUTING' });
      return { run, other };
    }

    /** Expected order: time ascending, then id ascending. */
    const ordered = (logs: RunLog[]) =>
      [...logs]
        .sort((a, b) => a.time.getTime() - b.time.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map((l) => l.id);

    it('appends a batch and lists a run’s lines by time then id, with every field', async () => {
      const { run, other } = await twoRuns();
      const exec = ctx.fx.fileExecution(run);
      await ctx.storage.fileExecutions.save(exec);
      const logs = [
        ctx.fx.log(run, {
          time: at(3),
          level: 'ERROR',
          stage: 'Transformation',
          message: 'bad "row" ✗',
          fileExecutionId: exec.id,
        }),
        ctx.fx.log(run, { time: at(1, 1), level: 'DEBUG' }),
        ctx.fx.log(run, { time: at(2), level: 'INFO' }),
        ctx.fx.log(run, { time: at(2), level: 'WARN' }),
        ctx.fx.log(run, { time: at(2), level: 'INFO' }),
      ];
      await ctx.storage.runLogs.append(logs);
      await ctx.storage.runLogs.append([ctx.fx.log(other, { time: at(0) })]);
      await ctx.storage.runLogs.append([]);
      const page = await ctx.storage.runLogs.list(run.id, {}, { page: 1, size: 50 });
      expect(page.total).toBe(5);
      expect(page.items.map((l) => l.id)).toEqual(ordered(logs));
      expect(page.items.find((l) => l.id === logs[0]!.id)).toEqual(logs[0]);
    });

    it('keeps levels at or above minLevel', async () => {
      const { run } = await twoRuns();
      const logs = (['DEBUG', 'INFO', 'WARN', 'ERROR'] as const).map((level, i) =>
        ctx.fx.log(run, { level, time: at(i) }),
      );
      await ctx.storage.runLogs.append(logs);
      const levels = async (minLevel?: RunLog['level']) =>
        (await ctx.storage.runLogs.list(run.id, minLevel ? { minLevel } : {}, { page: 1, size: 50 })).items.map(
          (l) => l.level,
        );
      expect(await levels()).toEqual(['DEBUG', 'INFO', 'WARN', 'ERROR']);
      expect(await levels('DEBUG')).toEqual(['DEBUG', 'INFO', 'WARN', 'ERROR']);
      expect(await levels('INFO')).toEqual(['INFO', 'WARN', 'ERROR']);
      expect(await levels('WARN')).toEqual(['WARN', 'ERROR']);
      expect(await levels('ERROR')).toEqual(['ERROR']);
    });

    it('selects run-level lines (null), one file’s lines (id) or all (undefined)', async () => {
      const { run } = await twoRuns();
      const a = ctx.fx.fileExecution(run, { createdAt: at(0) });
      const b = ctx.fx.fileExecution(run, { createdAt: at(1) });
      await ctx.storage.fileExecutions.save(a);
      await ctx.storage.fileExecutions.save(b);
      const runLevel = ctx.fx.log(run, { time: at(1) });
      const ofA = ctx.fx.log(run, { time: at(2), fileExecutionId: a.id, level: 'WARN' });
      const ofA2 = ctx.fx.log(run, { time: at(3), fileExecutionId: a.id });
      const ofB = ctx.fx.log(run, { time: at(4), fileExecutionId: b.id });
      await ctx.storage.runLogs.append([ofB, ofA2, runLevel, ofA]);
      const ids = async (filter: Parameters<typeof ctx.storage.runLogs.list>[1]) =>
        (await ctx.storage.runLogs.list(run.id, filter, { page: 1, size: 50 })).items.map((l) => l.id);
      expect(await ids({ fileExecutionId: null })).toEqual([runLevel.id]);
      expect(await ids({ fileExecutionId: a.id })).toEqual([ofA.id, ofA2.id]);
      expect(await ids({ fileExecutionId: undefined })).toEqual([runLevel.id, ofA.id, ofA2.id, ofB.id]);
      expect(await ids({})).toEqual([runLevel.id, ofA.id, ofA2.id, ofB.id]);
      expect(await ids({ fileExecutionId: a.id, minLevel: 'WARN' })).toEqual([ofA.id]);
    });

    it('pages log lines with the exact total', async () => {
      const { run } = await twoRuns();
      const logs = Array.from({ length: 7 }, (_, i) =>
        ctx.fx.log(run, { time: at(i), level: i % 2 ? 'WARN' : 'INFO' }),
      );
      await ctx.storage.runLogs.append(logs);
      const page = (n: number, minLevel?: RunLog['level']) =>
        ctx.storage.runLogs.list(run.id, minLevel ? { minLevel } : {}, { page: n, size: 3 });
      expect((await page(1)).items.map((l) => l.id)).toEqual(logs.slice(0, 3).map((l) => l.id));
      const third = await page(3);
      expect([third.total, third.items.map((l) => l.id)]).toEqual([7, [logs[6]!.id]]);
      expect(await page(4)).toEqual({ items: [], total: 7 });
      const warn = await page(1, 'WARN');
      expect([warn.total, warn.items.map((l) => l.id)]).toEqual([3, [logs[1]!.id, logs[3]!.id, logs[5]!.id]]);
    });

    it('saves file executions (insert or replace by id) and lists a run’s, oldest first', async () => {
      const { run, other } = await twoRuns();
      const second = ctx.fx.fileExecution(run, { createdAt: at(2), status: 'EXECUTING' });
      const first = ctx.fx.fileExecution(run, { createdAt: at(1, 500), executionTimeMs: 42 });
      const third = ctx.fx.fileExecution(run, { createdAt: at(3), status: 'SKIPPED' });
      for (const e of [second, first, third, ctx.fx.fileExecution(other)]) await ctx.storage.fileExecutions.save(e);
      const done = {
        ...second,
        status: 'ERROR' as const,
        error: 'failed to parse',
        executionTimeMs: 1200,
        updatedAt: at(5),
      };
      await ctx.storage.fileExecutions.save(done);
      const all = await ctx.storage.fileExecutions.listByRun(run.id, { page: 1, size: 10 });
      expect(all.total).toBe(3);
      expect(all.items).toEqual([first, done, third]);
      const p2 = await ctx.storage.fileExecutions.listByRun(run.id, { page: 2, size: 2 });
      expect(p2).toEqual({ items: [third], total: 3 });
      expect(await ctx.storage.fileExecutions.listByRun(run.id, { page: 3, size: 2 })).toEqual({ items: [], total: 3 });
    });
  });
}
