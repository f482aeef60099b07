import { NotFoundError, UnavailableError, emptyCounters, type Storage } from '@pipewright/core';
import { createMemoryStorage } from '@pipewright/storage-memory';
import { lockRun } from '../../src/services/lock-order.js';
import { world } from './harness.js';

const nothingDone = () => ({ stages: emptyCounters(), files: { total: 0, ok: 0, failed: 0 } });

describe('one lock order: pipeline, then run', () => {
  it('lockRun locks the pipeline before the run (and reports a run gone with its pipeline as null)', async () => {
    const w = await world();
    const { pipeline } = await w.core.pipelines.create(w.owner, { name: 'p', workflowId: w.workflowId });
    const run = await w.core.runs.trigger(w.owner, pipeline.id);
    const order: string[] = [];
    const locked = await w.storage.transaction(async (tx) => {
      const spied = {
        ...tx,
        pipelines: {
          ...tx.pipelines,
          findByIdForUpdate: (id: string) => (order.push('pipeline'), tx.pipelines.findByIdForUpdate(id)),
        },
        runs: { ...tx.runs, findByIdForUpdate: (id: string) => (order.push('run'), tx.runs.findByIdForUpdate(id)) },
      };
      return lockRun(spied, run.id, 'update');
    });
    expect(order).toEqual(['pipeline', 'run']);
    expect({ run: locked?.run.id, pipeline: locked?.pipeline?.id }).toEqual({ run: run.id, pipeline: pipeline.id });
    await w.core.pipelines.delete(w.owner, pipeline.id);
    expect(await w.storage.transaction((tx) => lockRun(tx, run.id, 'share'))).toBeNull();
  });

  it('deleting a pipeline stops its open run in the same transaction and tells the executor', async () => {
    const w = await world();
    const { pipeline } = await w.core.pipelines.create(w.owner, { name: 'p', workflowId: w.workflowId });
    const run = await w.core.runs.trigger(w.owner, pipeline.id);
    const started = await w.core.lifecycle.begin(run.id, 60_000);
    expect(started?.run.status).toBe('EXECUTING');
    await w.core.pipelines.delete(w.owner, pipeline.id);
    expect(w.rec.cancelled).toEqual([run.id]);
    expect(await w.storage.runs.findById(run.id)).toBeNull();
    // The executor's late steps find nothing, and its late log lines are dropped, not orphaned.
    expect(await w.core.lifecycle.heartbeat(run.id, started!.holder, 60_000)).toBe('stop');
    expect(
      await w.core.lifecycle.finish(run.id, started!.holder, { status: 'COMPLETED', ...nothingDone() }),
    ).toBeNull();
    await w.core.lifecycle.log([
      {
        id: globalThis.crypto.randomUUID(),
        runId: run.id,
        level: 'INFO',
        stage: null,
        message: 'late',
        fileExecutionId: null,
        time: new Date(),
      },
    ]);
    expect((await w.storage.runLogs.list(run.id, {}, { page: 1, size: 10 })).total).toBe(0);
  });
});

describe('catches rethrow what is not "not found"', () => {
  /** The memory storage whose run and workflow reads fail as a lost database does. */
  const failingReads = (): Storage & { fail(): void } => {
    const storage = createMemoryStorage();
    const down = async (): Promise<never> => {
      throw new UnavailableError('The database is unavailable; try again shortly.');
    };
    let failing = false;
    const { runs, transaction } = storage;
    return Object.assign(storage, {
      runs: { ...runs, findById: (id: string) => (failing ? down() : runs.findById(id)) },
      transaction: ((work) =>
        transaction.call(storage, (tx) =>
          work(failing ? { ...tx, workflows: { ...tx.workflows, findById: down } } : tx),
        )) as Storage['transaction'],
      fail: () => void (failing = true),
    });
  };

  it('RunService.assertExists says NotFound for a missing run, and passes a lost database through', async () => {
    const storage = failingReads();
    const w = await world(storage);
    await expect(w.core.runs.assertExists(w.owner, globalThis.crypto.randomUUID())).rejects.toBeInstanceOf(
      NotFoundError,
    );
    storage.fail();
    await expect(w.core.runs.assertExists(w.owner, globalThis.crypto.randomUUID())).rejects.toBeInstanceOf(
      UnavailableError,
    );
  });

  it('creating a pipeline on a workflow read that fails is not "invalid workflowId"', async () => {
    const storage = failingReads();
    const w = await world(storage);
    storage.fail();
    await expect(w.core.pipelines.create(w.owner, { name: 'p', workflowId: w.workflowId })).rejects.toBeInstanceOf(
      UnavailableError,
    );
  });
});
