import { describe, expect, it } from '@jest/globals';
import {
  Run,
  RunInProgressError,
  type Organization,
  type Pipeline,
  type Run as RunType,
  type User,
  type Workflow,
} from '@pipewright/core';
import { adminView, at, userView, uuid } from '../fixtures.js';
import { comparable, expectRunInProgress } from '../expectations.js';
import { useStorage, type StorageFactory } from '../harness.js';

/** Run CRUD, the one-open-run-per-pipeline guarantee, stream and expired leases. */
export function runSuite(factory: StorageFactory): void {
  describe('runs', () => {
    const ctx = useStorage(factory);

    async function world(): Promise<{ org: Organization; owner: User; workflow: Workflow; pipeline: Pipeline }> {
      const org = await ctx.fx.org();
      const owner = await ctx.fx.memberUser(org);
      const workflow = await ctx.fx.workflow(org, owner);
      const pipeline = await ctx.fx.pipeline(org, owner, workflow);
      return { org, owner, workflow, pipeline };
    }

    describe('CRUD', () => {
      it('inserts a run and finds it by id and seq, with every field', async () => {
        const { org, owner, pipeline } = await world();
        const linked = await ctx.fx.pipeline(org, owner, (await ctx.storage.workflows.findById(pipeline.workflowId))!);
        const run = await ctx.fx.buildRun({
          org,
          pipeline,
          status: 'EXECUTING',
          index: 7,
          trigger: 'api',
          triggeredBy: owner.id,
          createdAt: at(1, 1),
          startedAt: at(2, 2),
          leaseUntil: at(7, 3),
          input: [{ id: 1, name: 'ä "quoted" 🚀', tags: ['x', 'y'] }, { nested: { deep: [1, 2.5, null, true] } }],
        });
        // Its second attempt (the first failed with a retryable error).
        run.retry(at(2, 5), at(6), 'attempt-1');
        run.start(at(2, 7), at(7, 3), 'attempt-2');
        run.recordProgress(
          { passed: [5, 4, 3, 3, 3, 3], failed: [0, 1, 1, 0, 0, 0] },
          { total: 2, ok: 1, failed: 1 },
          at(3),
        );
        run.linkPipelines([linked.id], at(3, 9));
        await ctx.storage.runs.insert(run);
        expect((await ctx.storage.runs.findById(run.id))!).toMatchObject({ attempt: 2, leaseHolder: 'attempt-2' });
        expect(comparable((await ctx.storage.runs.findById(run.id))!.toState())).toEqual(comparable(run.toState()));
        expect(comparable((await ctx.storage.runs.findBySeq(run.seq))!.toState())).toEqual(comparable(run.toState()));
        expect(await ctx.storage.runs.findById(uuid())).toBeNull();
        expect(await ctx.storage.runs.findBySeq(2 ** 31 - 1)).toBeNull();
      });

      it('returns copies and saves changes on update', async () => {
        const { org, pipeline } = await world();
        const run = await ctx.fx.run({ org, pipeline, createdAt: at(1) });
        const loaded = (await ctx.storage.runs.findById(run.id))!;
        loaded.start(at(2), at(4), 'attempt-1');
        expect((await ctx.storage.runs.findById(run.id))!.status).toBe('PENDING');
        await ctx.storage.runs.update(loaded);
        // The lease holder is saved with the run: heartbeat, finish and retry are checked against it.
        expect((await ctx.storage.runs.findByIdForUpdate(run.id))!.leaseHolder).toBe('attempt-1');
        loaded.complete(
          at(3),
          { passed: [1, 1, 1, 1, 1, 1], failed: [0, 0, 0, 0, 0, 0] },
          { total: 1, ok: 1, failed: 0 },
        );
        expect((await ctx.storage.runs.findById(run.id))!.status).toBe('EXECUTING');
        await ctx.storage.runs.update(loaded);
        const saved = (await ctx.storage.runs.findByIdForUpdate(run.id))!;
        expect(comparable(saved.toState())).toEqual(comparable(loaded.toState()));
        expect(saved.leaseExpiresAt).toBeNull();
        expect(saved.leaseHolder).toBeNull();
      });

      it('saves a run sent back to PENDING for its next attempt: attempt, reset counters, lease', async () => {
        const { org, pipeline } = await world();
        const run = await ctx.fx.run({ org, pipeline, status: 'EXECUTING', createdAt: at(1) });
        const loaded = (await ctx.storage.runs.findByIdForUpdate(run.id))!;
        loaded.recordProgress(
          { passed: [2, 2, 2, 2, 2, 0], failed: [0, 0, 0, 0, 0, 2] },
          { total: 0, ok: 0, failed: 0 },
          at(2),
        );
        await ctx.storage.runs.update(loaded);
        loaded.retry(at(3), at(8), 'attempt-1');
        await ctx.storage.runs.update(loaded);
        const waiting = (await ctx.storage.runs.findById(run.id))!;
        expect(comparable(waiting.toState())).toEqual(comparable(loaded.toState()));
        expect(waiting).toMatchObject({ status: 'PENDING', attempt: 2, startedAt: null });
        expect(waiting.stages.passed).toEqual([0, 0, 0, 0, 0, 0]);
        // Still the pipeline's one open run.
        expect((await ctx.storage.runs.findOpenForPipeline(pipeline.id))?.id).toBe(run.id);
      });

      it('saves and replaces linked pipelines', async () => {
        const { org, owner, workflow, pipeline } = await world();
        const p2 = await ctx.fx.pipeline(org, owner, workflow);
        const p3 = await ctx.fx.pipeline(org, owner, workflow);
        const run = await ctx.fx.buildRun({ org, workflow, pipeline: null, status: 'COMPLETED' });
        run.linkPipelines([pipeline.id, p2.id], at(1));
        await ctx.storage.runs.insert(run);
        expect([...(await ctx.storage.runs.findById(run.id))!.linkedPipelineIds].sort()).toEqual(
          [pipeline.id, p2.id].sort(),
        );
        run.linkPipelines([p3.id], at(2));
        await ctx.storage.runs.update(run);
        expect((await ctx.storage.runs.findById(run.id))!.linkedPipelineIds).toEqual([p3.id]);
      });
    });

    describe('one open run per pipeline', () => {
      for (const status of ['PENDING', 'EXECUTING', 'STOPPING'] as const)
        it(`a ${status} run blocks a second open run`, async () => {
          const { org, pipeline } = await world();
          await ctx.fx.run({ org, pipeline, status });
          const second = await ctx.fx.buildRun({ org, pipeline });
          await expectRunInProgress(ctx.storage.runs.insert(second), pipeline.id);
          expect(await ctx.storage.runs.findById(second.id)).toBeNull();
        });

      it('finished runs do not block', async () => {
        const { org, pipeline } = await world();
        for (const status of ['COMPLETED', 'ERROR', 'STOPPED'] as const) await ctx.fx.run({ org, pipeline, status });
        const open = await ctx.fx.run({ org, pipeline });
        expect((await ctx.storage.runs.findOpenForPipeline(pipeline.id))?.id).toBe(open.id);
      });

      it('allows a new run once the open one is updated to a finished state', async () => {
        const { org, pipeline } = await world();
        const first = await ctx.fx.run({ org, pipeline, status: 'EXECUTING' });
        first.complete(at(5));
        await ctx.storage.runs.update(first);
        expect(await ctx.storage.runs.findOpenForPipeline(pipeline.id)).toBeNull();
        const next = await ctx.fx.run({ org, pipeline });
        expect((await ctx.storage.runs.findOpenForPipeline(pipeline.id))?.id).toBe(next.id);
      });

      it('updating the open run itself is fine; re-opening another one is rejected', async () => {
        const { org, pipeline } = await world();
        const done = await ctx.fx.run({ org, pipeline, status: 'COMPLETED' });
        const open = await ctx.fx.run({ org, pipeline });
        open.start(at(1), at(2), 'attempt-1');
        await ctx.storage.runs.update(open);
        const reopened = Run.restore({ ...done.toState(), status: 'EXECUTING', endedAt: null });
        await expectRunInProgress(ctx.storage.runs.update(reopened), pipeline.id);
        expect((await ctx.storage.runs.findById(done.id))!.status).toBe('COMPLETED');
      });

      it('does not limit runs without a pipeline, nor other pipelines', async () => {
        const { org, owner, workflow, pipeline } = await world();
        const other = await ctx.fx.pipeline(org, owner, workflow);
        await ctx.fx.run({ org, pipeline });
        await ctx.fx.run({ org, pipeline: other });
        await ctx.fx.run({ org, workflow, pipeline: null });
        await ctx.fx.run({ org, workflow, pipeline: null, status: 'EXECUTING' });
        expect(await ctx.storage.runs.findOpenForPipeline(other.id)).not.toBeNull();
      });

      it('holds under 10 concurrent transactions: exactly one succeeds', async () => {
        const { org, pipeline } = await world();
        const runs = await Promise.all(Array.from({ length: 10 }, () => ctx.fx.buildRun({ org, pipeline })));
        const results = await Promise.allSettled(
          runs.map((run) => ctx.storage.transaction(async (tx) => tx.runs.insert(run))),
        );
        const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [runs[i]!.id] : []));
        expect(winners).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(RunInProgressError);
        expect((await ctx.storage.runs.findOpenForPipeline(pipeline.id))?.id).toBe(winners[0]);
      });

      it('holds under 10 concurrent autocommit inserts', async () => {
        const { org, pipeline } = await world();
        const runs = await Promise.all(Array.from({ length: 10 }, () => ctx.fx.buildRun({ org, pipeline })));
        const results = await Promise.allSettled(runs.map((run) => ctx.storage.runs.insert(run)));
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(RunInProgressError);
      });
    });

    describe('findOpenForPipeline', () => {
      it('finds the open run, or null', async () => {
        const { org, pipeline } = await world();
        expect(await ctx.storage.runs.findOpenForPipeline(pipeline.id)).toBeNull();
        await ctx.fx.run({ org, pipeline, status: 'COMPLETED' });
        expect(await ctx.storage.runs.findOpenForPipeline(pipeline.id)).toBeNull();
        const open = await ctx.fx.run({ org, pipeline, status: 'STOPPING' });
        expect(comparable((await ctx.storage.runs.findOpenForPipeline(pipeline.id))!.toState())).toEqual(
          comparable(open.toState()),
        );
        expect(await ctx.storage.runs.findOpenForPipeline(uuid())).toBeNull();
      });
    });

    describe('stream', () => {
      it('yields every visible run newest first (seq desc), across several batches', async () => {
        const { org, owner, workflow } = await world();
        const created: RunType[] = [];
        for (let i = 0; i < 25; i++)
          created.push(await ctx.fx.run({ org, workflow, pipeline: null, status: 'COMPLETED', createdAt: at(i) }));
        const other = await world();
        await ctx.fx.run({ org: other.org, workflow: other.workflow, pipeline: null });
        const expected = created.map((r) => r.seq).sort((a, b) => b - a);
        for (const batchSize of [10, 7, 25, 1000]) {
          const seen: number[] = [];
          for await (const run of ctx.storage.runs.stream(adminView(org.id), { batchSize })) seen.push(run.seq);
          expect(seen).toEqual(expected);
        }
        const seen: RunType[] = [];
        for await (const run of ctx.storage.runs.stream(userView(org.id, owner.id))) seen.push(run);
        expect(seen.map((r) => r.seq)).toEqual(expected);
        expect(comparable(seen[0]!.toState())).toEqual(comparable(created[24]!.toState()));
      });

      it('applies visibility', async () => {
        const { org, owner, workflow } = await world();
        const stranger = await ctx.fx.memberUser(org);
        const mine = await ctx.fx.run({ org, workflow, pipeline: null });
        const seen: string[] = [];
        for await (const run of ctx.storage.runs.stream(userView(org.id, stranger.id), { batchSize: 2 }))
          seen.push(run.id);
        expect(seen).toEqual([]);
        for await (const run of ctx.storage.runs.stream(userView(org.id, owner.id), { batchSize: 2 }))
          seen.push(run.id);
        expect(seen).toEqual([mine.id]);
      });
    });

    describe('listExpiredLeases', () => {
      it('lists open runs whose lease expired before now, oldest lease first, up to the limit', async () => {
        const { org, owner, workflow } = await world();
        const p = async () => ctx.fx.pipeline(org, owner, workflow);
        // Leases in 2001, before any other run of the kit, so only these can be listed.
        const t = (minute: number) => new Date(Date.UTC(2001, 0, 1, 0, minute));
        const second = await ctx.fx.run({
          org,
          pipeline: await p(),
          status: 'EXECUTING',
          startedAt: t(0),
          leaseUntil: t(3),
        });
        const first = await ctx.fx.run({
          org,
          pipeline: await p(),
          status: 'EXECUTING',
          startedAt: t(0),
          leaseUntil: t(1),
        });
        const stopping = await ctx.fx.run({
          org,
          pipeline: await p(),
          status: 'STOPPING',
          startedAt: t(0),
          leaseUntil: t(5),
        });
        await ctx.fx.run({ org, pipeline: await p(), status: 'EXECUTING', startedAt: t(0), leaseUntil: t(10) }); // not expired at t(10)
        await ctx.fx.run({ org, pipeline: await p(), status: 'COMPLETED', startedAt: t(0), leaseUntil: t(2) }); // finished
        await ctx.fx.run({ org, pipeline: await p(), status: 'PENDING', createdAt: t(0) }); // no lease
        // Waiting for its next attempt: leased by the process holding it, or not at all (a queue brings it back).
        const waiting = await ctx.fx.buildRun({ org, pipeline: await p(), status: 'EXECUTING', startedAt: t(0) });
        waiting.retry(t(0), t(4), 'attempt-1');
        await ctx.storage.runs.insert(waiting);
        const queued = await ctx.fx.buildRun({ org, pipeline: await p(), status: 'EXECUTING', startedAt: t(0) });
        queued.retry(t(0), null, 'attempt-1');
        await ctx.storage.runs.insert(queued);
        const now = t(10);
        expect((await ctx.storage.runs.listExpiredLeases(now, 10)).map((r) => r.id)).toEqual([
          first.id,
          second.id,
          waiting.id,
          stopping.id,
        ]);
        expect((await ctx.storage.runs.listExpiredLeases(now, 2)).map((r) => r.id)).toEqual([first.id, second.id]);
        expect(await ctx.storage.runs.listExpiredLeases(t(1), 10)).toEqual([]);
        const loaded = (await ctx.storage.runs.listExpiredLeases(now, 1))[0]!;
        expect(comparable(loaded.toState())).toEqual(comparable(first.toState()));
      });
    });
  });
}
