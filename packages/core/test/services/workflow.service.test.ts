import {
  ConflictError,
  PermissionDeniedError,
  ValidationError,
  query,
  type DefinitionValidator,
} from '@pipewright/core';
import { world, type World } from './harness.js';

describe('WorkflowService and FileHistoryService', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });

  it('checks definitions with the engine validator on save', async () => {
    const strict: DefinitionValidator = {
      validate(d) {
        if (d.stages.filter === 'bad (') throw ValidationError.field('stages.filter', 'Syntax error');
      },
    };
    w = await world(undefined, { definitions: strict });
    await expect(
      w.core.workflows.create(w.owner, { name: 'x', definition: { stages: { filter: 'bad (' } } }),
    ).rejects.toMatchObject({ issues: [{ field: 'stages.filter' }] });
    const wf = await w.core.workflows.create(w.owner, { name: 'x', definition: { stages: { filter: 'a > 1' } } });
    await expect(
      w.core.workflows.update(w.owner, wf.id, { definition: { stages: { filter: 'bad (' } } }),
    ).rejects.toThrow(ValidationError);
    expect((await w.core.workflows.get(w.owner, wf.id)).definition.stages.filter).toBe('a > 1');
  });

  it('keeps names unique per org, owners-only changes, and refuses deleting a workflow in use', async () => {
    await expect(w.core.workflows.create(w.owner, { name: 'wf' })).rejects.toThrow(ConflictError);
    await w.core.workflows.share(w.owner, w.workflowId, { userIds: [w.friend.userId], toOrg: false });
    await expect(w.core.workflows.update(w.friend, w.workflowId, { name: 'renamed' })).rejects.toThrow(
      PermissionDeniedError,
    );
    expect((await w.core.workflows.usage(w.friend, w.workflowId)).canUpdate).toBe(false);
    await w.core.pipelines.create(w.owner, { name: 'p', workflowId: w.workflowId });
    expect((await w.core.workflows.usage(w.owner, w.workflowId)).pipelines.map((p) => p.name)).toEqual(['p']);
    await expect(w.core.workflows.delete(w.owner, w.workflowId)).rejects.toThrow(ConflictError);
    expect((await w.core.workflows.list(w.stranger, query({}))).total).toBe(0);
  });

  it('records file executions and clears markers by filter', async () => {
    const fh = w.core.fileHistories;
    await fh.record(w.workflowId, { cacheKey: 'a', filePath: '/in/a.json' }, { status: 'COMPLETED' });
    await fh.record(w.workflowId, { cacheKey: 'b', filePath: '/in/b.json' }, { status: 'ERROR', error: 'bad' });
    await fh.record(w.workflowId, { cacheKey: 'b', filePath: '/in/b.json' }, { status: 'ERROR', error: 'bad' });
    expect(await fh.shouldSkip(w.workflowId, { cacheKey: 'a', filePath: '/in/a.json' }, null, 3)).toBe(true);
    expect(await fh.shouldSkip(w.workflowId, { cacheKey: 'b', filePath: '/in/b.json' }, 'ETL', 2)).toBe(true);
    expect(await fh.shouldSkip(w.workflowId, { cacheKey: 'b', filePath: '/in/b.json' }, 'ETL', 3)).toBe(false);
    await expect(fh.clear(w.owner, w.workflowId, [])).rejects.toThrow(
      'At least one filter (ids, status, execution_count_min, execution_count_max, or file_path) must be provided',
    );
    expect(await fh.clear(w.owner, w.workflowId, [{ field: 'status', op: 'oneof', value: ['ERROR'] }])).toBe(1);
    expect((await fh.list(w.owner, w.workflowId, query({}))).items.map((h) => h.filePath)).toEqual(['/in/a.json']);
    expect(await fh.clearAll(w.owner, w.workflowId)).toBe(1);
  });
});
