import {
  CannotRunIncrementallyError,
  NotFoundError,
  PipelineDisabledError,
  RunInProgressError,
  ValidationError,
} from '@pipewright/core';
import { world, type World } from './harness.js';

/** Meergo's rules: an incremental pipeline is refused at save without its column; errors carry the int id. */
describe('incremental pipelines and the ids errors carry', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });

  it('refuses to save an incremental pipeline without an update time column', async () => {
    const create = w.core.pipelines.create(w.owner, { name: 'p', workflowId: w.workflowId, incremental: true });
    await expect(create).rejects.toThrow(ValidationError);
    await expect(create).rejects.toMatchObject({
      issues: [{ field: 'incremental', code: 'requires_update_time_column' }],
    });
    const { pipeline } = await w.core.pipelines.create(w.owner, {
      name: 'q',
      workflowId: w.workflowId,
      incremental: true,
      updatedAtColumn: 'updated_at',
    });
    await expect(w.core.pipelines.update(w.owner, pipeline.id, { updatedAtColumn: null })).rejects.toThrow(
      ValidationError,
    );
    await w.core.pipelines.update(w.owner, pipeline.id, { incremental: false, updatedAtColumn: null });
  });

  it('checks the column at run time only when the request says incremental', async () => {
    const { pipeline } = await w.core.pipelines.create(w.owner, { name: 'p', workflowId: w.workflowId });
    await expect(w.core.runs.trigger(w.owner, pipeline.id, { incremental: true })).rejects.toThrow(
      CannotRunIncrementallyError,
    );
    expect((await w.core.runs.trigger(w.owner, pipeline.id, { incremental: null })).incremental).toBe(false);
  });

  it('names the pipeline by its int id in not-found, disabled and in-progress errors', async () => {
    const { pipeline } = await w.core.pipelines.create(w.owner, { name: 'p', workflowId: w.workflowId });
    const failure = (p: Promise<unknown>) =>
      p.then(
        () => null,
        (e: unknown) => e,
      );
    const missing = await failure(w.core.pipelines.getBySeq(w.owner, 2147483647));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing).toMatchObject({ entity: 'Pipeline', id: 2147483647 });
    await w.core.runs.trigger(w.owner, pipeline.id);
    const busy = await failure(w.core.runs.trigger(w.owner, pipeline.id));
    expect(busy).toBeInstanceOf(RunInProgressError);
    expect(busy).toMatchObject({ pipelineSeq: pipeline.seq });
    await w.core.pipelines.setEnabled(w.owner, pipeline.id, false);
    const disabled = await failure(w.core.runs.trigger(w.owner, pipeline.id));
    expect(disabled).toBeInstanceOf(PipelineDisabledError);
    expect(disabled).toMatchObject({ pipelineSeq: pipeline.seq });
  });
});
