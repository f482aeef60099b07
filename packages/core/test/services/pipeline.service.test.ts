import { ConflictError, NotFoundError, PermissionDeniedError, ValidationError, query } from '@pipewright/core';
import { world, type World } from './harness.js';

describe('PipelineService', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });

  it('creates an enabled pipeline owned by the actor, with a pipeline key, and syncs the scheduler', async () => {
    const { pipeline, key } = await w.core.pipelines.create(w.owner, {
      name: 'nightly',
      workflowId: w.workflowId,
      schedule: { cron: '0 3 * * *' },
    });
    expect(pipeline.ownerId).toBe(w.owner.userId);
    expect(pipeline.enabled).toBe(true);
    expect(pipeline.isScheduled).toBe(true);
    expect(key.key.kind).toBe('pipeline');
    expect(key.key.targetId).toBe(pipeline.id);
    expect(w.rec.synced).toEqual([pipeline.id]);
    const keys = await w.core.apiKeys.listPipelineKeys(w.owner, pipeline.id);
    expect(keys.map((k) => k.id)).toEqual([key.key.id]);
  });

  it('refuses a duplicate name in the org, a missing workflow and a too-frequent cron', async () => {
    await w.core.pipelines.create(w.owner, { name: 'p', workflowId: w.workflowId });
    await expect(w.core.pipelines.create(w.friend, { name: 'p', workflowId: w.workflowId })).rejects.toThrow(
      ValidationError,
    ); // friend cannot see the workflow
    await expect(w.core.pipelines.create(w.owner, { name: 'p', workflowId: w.workflowId })).rejects.toThrow(
      ConflictError,
    );
    await expect(
      w.core.pipelines.create(w.owner, { name: 'q', workflowId: '00000000-0000-4000-8000-00000000dead' }),
    ).rejects.toMatchObject({ issues: [{ field: 'workflowId' }] });
    await expect(
      w.core.pipelines.create(w.owner, { name: 'q', workflowId: w.workflowId, schedule: { cron: '*/10 * * * * *' } }),
    ).rejects.toMatchObject({
      issues: [{ field: 'cron', code: 'min_interval' }],
    });
  });

  it('creates and updates the retry policy; a bad one changes nothing', async () => {
    const { pipeline } = await w.core.pipelines.create(w.owner, {
      name: 'r',
      workflowId: w.workflowId,
      retry: { maxAttempts: 3, backoffSeconds: 2 },
    });
    expect(pipeline.retry.spec).toMatchObject({ maxAttempts: 3, backoffSeconds: 2 });
    const updated = await w.core.pipelines.update(w.owner, pipeline.id, { retry: { backoffMultiplier: 3 } });
    expect(updated.retry.spec).toEqual({
      maxAttempts: 3,
      backoffSeconds: 2,
      backoffMultiplier: 3,
      maxBackoffSeconds: 600,
    });
    await expect(
      w.core.pipelines.update(w.owner, pipeline.id, { description: 'x', retry: { maxAttempts: 99 } }),
    ).rejects.toMatchObject({
      issues: [{ field: 'retry.maxAttempts' }],
    });
    const saved = await w.core.pipelines.get(w.owner, pipeline.id);
    expect(saved.retry.maxAttempts).toBe(3);
    expect(saved.description).toBeNull();
    await expect(
      w.core.pipelines.create(w.owner, { name: 's', workflowId: w.workflowId, retry: { backoffMultiplier: 0 } }),
    ).rejects.toThrow(ValidationError);
  });

  it('hides pipelines from those who cannot see them and forbids changes by non-owners', async () => {
    const { pipeline } = await w.core.pipelines.create(w.owner, { name: 'p', workflowId: w.workflowId });
    await w.core.pipelines.share(w.owner, pipeline.id, { userIds: [w.friend.userId], toOrg: false });
    await expect(w.core.pipelines.get(w.stranger, pipeline.id)).rejects.toThrow(NotFoundError);
    await expect(w.core.pipelines.get(w.outsider, pipeline.id)).rejects.toThrow(NotFoundError);
    expect((await w.core.pipelines.get(w.friend, pipeline.id)).id).toBe(pipeline.id);
    await expect(w.core.pipelines.update(w.friend, pipeline.id, { description: 'x' })).rejects.toThrow(
      PermissionDeniedError,
    );
    await expect(w.core.pipelines.update(w.stranger, pipeline.id, { description: 'x' })).rejects.toThrow(NotFoundError);
    await expect(w.core.pipelines.delete(w.friend, pipeline.id)).rejects.toThrow(PermissionDeniedError);
    expect((await w.core.pipelines.update(w.admin, pipeline.id, { description: 'by admin' })).description).toBe(
      'by admin',
    );
  });

  it('lists only visible pipelines', async () => {
    const mine = (await w.core.pipelines.create(w.owner, { name: 'mine', workflowId: w.workflowId })).pipeline;
    const org = (await w.core.pipelines.create(w.owner, { name: 'org', workflowId: w.workflowId })).pipeline;
    await w.core.pipelines.share(w.owner, org.id, { userIds: [], toOrg: true });
    const names = async (a: typeof w.owner) =>
      (await w.core.pipelines.list(a, query({ sort: [{ field: 'name', direction: 'asc' }] }))).items.map((p) => p.name);
    expect(await names(w.owner)).toEqual(['mine', 'org']);
    expect(await names(w.stranger)).toEqual(['org']);
    expect(await names(w.admin)).toEqual(['mine', 'org']);
    expect(await names(w.outsider)).toEqual([]);
    expect(mine.id).toBeDefined();
  });

  it('shares only with members of the organization', async () => {
    const { pipeline } = await w.core.pipelines.create(w.owner, { name: 'p', workflowId: w.workflowId });
    await expect(
      w.core.pipelines.share(w.owner, pipeline.id, { userIds: [w.outsider.userId], toOrg: false }),
    ).rejects.toThrow(ValidationError);
    const sharing = await w.core.pipelines.sharing(
      w.owner,
      (await w.core.pipelines.share(w.owner, pipeline.id, { userIds: [w.friend.userId], toOrg: true })).id,
    );
    expect(sharing.owner?.id).toBe(w.owner.userId);
    expect(sharing.sharedUsers.map((u) => u.id)).toEqual([w.friend.userId]);
    expect(sharing.sharedToOrg).toBe(true);
  });

  it('auto-creates tags on add and skips unknown ones on remove', async () => {
    const { pipeline } = await w.core.pipelines.create(w.owner, {
      name: 'p',
      workflowId: w.workflowId,
      tags: ['prod'],
    });
    const updated = await w.core.pipelines.update(w.owner, pipeline.id, {
      addTags: ['prod', 'etl'],
      removeTags: ['nope', 'prod'],
    });
    const tags = await w.core.pipelines.tagsOf([updated]);
    expect([...tags.values()].map((t) => t.name).sort()).toEqual(['etl']);
    await expect(
      w.core.pipelines.update(w.owner, pipeline.id, { addTags: ['00000000-0000-4000-8000-00000000beef'] }),
    ).rejects.toThrow(NotFoundError);
    await w.core.tags.create(w.owner, { name: 'pinned', exclusive: true });
    await expect(w.core.pipelines.update(w.owner, pipeline.id, { addTags: ['pinned'] })).rejects.toThrow(/exclusive/);
  });

  it('deletes with its keys and removes the scheduler job', async () => {
    const { pipeline, key } = await w.core.pipelines.create(w.owner, { name: 'p', workflowId: w.workflowId });
    await w.core.pipelines.delete(w.owner, pipeline.id);
    expect(w.rec.unregistered).toEqual([pipeline.id]);
    await expect(w.core.pipelines.get(w.owner, pipeline.id)).rejects.toThrow(NotFoundError);
    await expect(w.core.auth.authenticate(key.secret)).rejects.toThrow(/Unauthorized/);
  });
});
