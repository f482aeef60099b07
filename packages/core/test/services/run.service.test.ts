import {
  CannotRunIncrementallyError,
  INTERRUPTED,
  InvalidStateError,
  NotFoundError,
  OrgNotNormalError,
  PermissionDeniedError,
  PipelineDisabledError,
  RunInProgressError,
  emptyCounters,
  query,
} from '@pipewright/core';
import { world, type World } from './harness.js';

describe('RunService and RunLifecycle', () => {
  let w: World;
  let pipelineId: string;
  beforeEach(async () => {
    w = await world();
    pipelineId = (await w.core.pipelines.create(w.owner, { name: 'p', workflowId: w.workflowId })).pipeline.id;
  });

  it('opens a run, hands it to the executor and updates the pipeline', async () => {
    const run = await w.core.runs.trigger(w.owner, pipelineId);
    expect(run.status).toBe('PENDING');
    expect(run.triggeredBy).toBe(w.owner.userId);
    expect(run.toState().index).toBe(1);
    expect(w.rec.submitted.map((r) => r.id)).toEqual([run.id]);
    const p = await w.core.pipelines.get(w.owner, pipelineId);
    expect(p.runCount).toBe(1);
    expect(p.lastRun).toMatchObject({ id: run.id, status: 'PENDING' });
  });

  it('checks in Meergo order: incremental column, enabled, open run, org mode', async () => {
    await expect(w.core.runs.trigger(w.owner, pipelineId, { incremental: true })).rejects.toThrow(
      CannotRunIncrementallyError,
    );
    await w.core.pipelines.setEnabled(w.owner, pipelineId, false);
    await expect(w.core.runs.trigger(w.owner, pipelineId, { incremental: true })).rejects.toThrow(
      CannotRunIncrementallyError,
    );
    await expect(w.core.runs.trigger(w.owner, pipelineId)).rejects.toThrow(PipelineDisabledError);
    await w.core.pipelines.setEnabled(w.owner, pipelineId, true);
    await w.core.runs.trigger(w.owner, pipelineId);
    await w.core.admin.setMode(w.admin, 'maintenance');
    await expect(w.core.runs.trigger(w.owner, pipelineId)).rejects.toThrow(RunInProgressError);
    const second = (await w.core.pipelines.create(w.owner, { name: 'q', workflowId: w.workflowId })).pipeline;
    await expect(w.core.runs.trigger(w.owner, second.id)).rejects.toThrow(OrgNotNormalError);
  });

  it('lets exactly one of many concurrent triggers win', async () => {
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => w.core.runs.trigger(w.owner, pipelineId)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected'))
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(RunInProgressError);
  });

  it('lets owners and shared users run, not org-shared readers or strangers', async () => {
    await w.core.pipelines.share(w.owner, pipelineId, { userIds: [w.friend.userId], toOrg: true });
    await expect(w.core.runs.trigger(w.stranger, pipelineId)).rejects.toThrow(PermissionDeniedError);
    await expect(w.core.runs.trigger(w.outsider, pipelineId)).rejects.toThrow(NotFoundError);
    expect((await w.core.runs.trigger(w.friend, pipelineId)).triggeredBy).toBe(w.friend.userId);
  });

  it('runs the lifecycle: begin, heartbeat, progress, finish with bookkeeping', async () => {
    const run = await w.core.runs.trigger(w.owner, pipelineId);
    const started = await w.core.lifecycle.begin(run.id, 30_000);
    expect(started?.run.status).toBe('EXECUTING');
    expect((await w.core.pipelines.get(w.owner, pipelineId)).lastRun?.status).toBe('EXECUTING');
    expect(await w.core.lifecycle.begin(run.id, 30_000)).toBeNull();
    const stages = { passed: [3, 3, 2, 2, 2, 2], failed: [0, 0, 1, 0, 0, 0] };
    expect(
      await w.core.lifecycle.heartbeat(run.id, started!.holder, 30_000, {
        stages,
        files: { total: 0, ok: 0, failed: 0 },
      }),
    ).toBe('continue');
    const ended = await w.core.lifecycle.finish(run.id, started!.holder, {
      status: 'COMPLETED',
      stages,
      files: { total: 0, ok: 0, failed: 0 },
      cursor: '2026-01-01T00:00:00Z',
    });
    expect(ended?.status).toBe('COMPLETED');
    expect((await w.core.runs.get(w.owner, run.id)).stages).toEqual(stages);
    const p = await w.core.pipelines.get(w.owner, pipelineId);
    expect(p.lastRun?.status).toBe('COMPLETED');
    expect(p.cursor).toBe('2026-01-01T00:00:00Z');
    await w.core.runs.trigger(w.owner, pipelineId); // the pipeline is free again
  });

  it('cancels in two phases and tells the executor', async () => {
    const run = await w.core.runs.trigger(w.owner, pipelineId);
    const started = await w.core.lifecycle.begin(run.id, 30_000);
    const stopping = await w.core.runs.cancel(w.owner, run.id);
    expect(stopping.status).toBe('STOPPING');
    expect((await w.core.pipelines.get(w.owner, pipelineId)).lastRun?.status).toBe('STOPPING');
    expect(w.rec.cancelled).toEqual([run.id]);
    expect(await w.core.lifecycle.heartbeat(run.id, started!.holder, 30_000)).toBe('stop');
    const stopped = await w.core.lifecycle.finish(run.id, started!.holder, {
      status: 'STOPPED',
      stages: emptyCounters(),
      files: { total: 0, ok: 0, failed: 0 },
    });
    expect(stopped?.status).toBe('STOPPED');
    expect(stopped?.cancelledBy).toBe(w.owner.userId);
    await expect(w.core.runs.cancel(w.owner, run.id)).rejects.toThrow(InvalidStateError);
  });

  it('puts a run back to PENDING for another attempt while its pipeline allows one', async () => {
    await w.core.pipelines.update(w.owner, pipelineId, { retry: { maxAttempts: 2, backoffSeconds: 3 } });
    const run = await w.core.runs.trigger(w.owner, pipelineId);
    const first = await w.core.lifecycle.begin(run.id, 30_000);
    const retry = await w.core.lifecycle.retry(run.id, first!.holder, {
      retryable: true,
      leaseMs: 30_000,
      cursor: '2026-01-01T00:00:00Z',
    });
    expect(retry).toMatchObject({ retried: true, failedAttempt: 1, maxAttempts: 2, delayMs: 3_000 });
    const waiting = await w.core.runs.get(w.owner, run.id);
    expect(waiting).toMatchObject({ status: 'PENDING', attempt: 2, startedAt: null });
    expect(waiting.leaseExpiresAt).toEqual(new Date(w.clock.now().getTime() + 30_000));
    const p = await w.core.pipelines.get(w.owner, pipelineId);
    expect(p.lastRun).toMatchObject({ id: run.id, status: 'PENDING' });
    expect(p.cursor).toBe('2026-01-01T00:00:00Z');
    // The second attempt is the last: the caller finishes the run.
    const second = await w.core.lifecycle.begin(run.id, 30_000);
    expect(second?.run.attempt).toBe(2);
    expect(await w.core.lifecycle.retry(run.id, second!.holder, { retryable: true, leaseMs: 30_000 })).toEqual({
      retried: false,
      reason: 'no-attempts-left',
      attempt: 2,
      maxAttempts: 2,
    });
    expect((await w.core.runs.get(w.owner, run.id)).status).toBe('EXECUTING');
    await w.core.lifecycle.finish(run.id, second!.holder, {
      status: 'ERROR',
      error: 'source "postgres" failed: timeout',
      stages: emptyCounters(),
      files: { total: 0, ok: 0, failed: 0 },
    });
    expect(await w.core.runs.get(w.owner, run.id)).toMatchObject({
      status: 'ERROR',
      attempt: 2,
      error: 'source "postgres" failed: timeout',
    });
  });

  it('does not retry a run whose cancel was asked for, nor one without a pipeline; a waiting run cancels at once', async () => {
    await w.core.pipelines.update(w.owner, pipelineId, { retry: { maxAttempts: 3 } });
    const run = await w.core.runs.trigger(w.owner, pipelineId);
    const cancelled = await w.core.lifecycle.begin(run.id, 30_000);
    await w.core.runs.cancel(w.owner, run.id);
    expect(await w.core.lifecycle.retry(run.id, cancelled!.holder, { retryable: true, leaseMs: null })).toMatchObject({
      retried: false,
      reason: 'ended',
    });
    await w.core.lifecycle.finish(run.id, cancelled!.holder, {
      status: 'STOPPED',
      stages: emptyCounters(),
      files: { total: 0, ok: 0, failed: 0 },
    });

    const direct = await w.core.runs.triggerWorkflow(w.owner, w.workflowId);
    const directStart = await w.core.lifecycle.begin(direct.id, 30_000);
    expect(
      await w.core.lifecycle.retry(direct.id, directStart!.holder, { retryable: true, leaseMs: null }),
    ).toMatchObject({ retried: false, reason: 'no-policy' });

    const again = await w.core.runs.trigger(w.owner, pipelineId);
    const againStart = await w.core.lifecycle.begin(again.id, 30_000);
    expect(
      await w.core.lifecycle.retry(again.id, againStart!.holder, { retryable: false, leaseMs: null }),
    ).toMatchObject({ retried: false, reason: 'not-retryable' });
    const decision = await w.core.lifecycle.retry(again.id, againStart!.holder, { retryable: true, leaseMs: null });
    expect(decision.retried && decision.run.leaseExpiresAt).toBeNull();
    w.rec.cancelled = [];
    expect((await w.core.runs.cancel(w.owner, again.id)).status).toBe('STOPPED');
    expect(w.rec.cancelled).toEqual([again.id]); // the executor holding it drops it
  });

  it('ends runs whose lease expired as ERROR "interrupted"', async () => {
    const run = await w.core.runs.trigger(w.owner, pipelineId);
    await w.core.lifecycle.begin(run.id, 10_000);
    expect(await w.core.lifecycle.recoverExpired()).toEqual([]);
    w.clock.advance(10_001);
    const recovered = await w.core.lifecycle.recoverExpired();
    expect(recovered.map((r) => [r.id, r.status, r.error])).toEqual([[run.id, 'ERROR', INTERRUPTED]]);
    expect((await w.core.pipelines.get(w.owner, pipelineId)).lastRun?.status).toBe('ERROR');
  });

  it("lists runs visibly and limits a pipeline's executions to its owners", async () => {
    const run = await w.core.runs.trigger(w.owner, pipelineId);
    expect((await w.core.runs.list(w.owner, query({}))).items.map((r) => r.id)).toEqual([run.id]);
    expect((await w.core.runs.list(w.stranger, query({}))).total).toBe(0);
    await w.core.pipelines.share(w.owner, pipelineId, { userIds: [w.friend.userId], toOrg: false });
    await expect(w.core.runs.listForPipeline(w.friend, pipelineId, query({}))).rejects.toThrow(PermissionDeniedError);
    expect((await w.core.runs.listForPipeline(w.owner, pipelineId, query({}))).total).toBe(1);
  });

  it('links a job to pipelines so their members see it', async () => {
    const other = (await w.core.pipelines.create(w.owner, { name: 'other', workflowId: w.workflowId })).pipeline;
    await w.core.pipelines.share(w.owner, other.id, { userIds: [w.friend.userId], toOrg: false });
    const run = await w.core.runs.trigger(w.owner, pipelineId);
    await expect(w.core.runs.get(w.friend, run.id)).rejects.toThrow(NotFoundError);
    await expect(w.core.runs.linkPipelines(w.friend, run.id, [other.id])).rejects.toThrow(NotFoundError);
    const { pipelines } = await w.core.runs.linkPipelines(w.owner, run.id, [other.id]);
    expect(pipelines.map((p) => p.id)).toEqual([other.id]);
    expect((await w.core.runs.get(w.friend, run.id)).id).toBe(run.id);
    await w.core.runs.linkPipelines(w.owner, run.id, []);
    await expect(w.core.runs.get(w.friend, run.id)).rejects.toThrow(NotFoundError);
  });
});
