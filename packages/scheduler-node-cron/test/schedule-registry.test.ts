import { Schedule } from '@pipewright/core';
import { hasJob, ScheduleRegistry } from '../src/schedule-registry.js';
import { BACKENDS, type TestDatabase } from './support/databases.js';
import { changed, pipelineWith } from './support/pipelines.js';

describe.each(BACKENDS)('ScheduleRegistry on %s', (_name, open) => {
  let database: TestDatabase;
  let registry: ScheduleRegistry;

  beforeAll(async () => {
    database = await open();
    registry = new ScheduleRegistry(database.connect().db);
  });
  afterAll(() => database.close());

  it('publishes a job and moves the version only when the job changes', async () => {
    const p = pipelineWith(Schedule.cron('*/5 * * * *', 'Europe/Berlin'), { scheduleStart: 7 });
    const first = await registry.publish(p);
    expect(first).toMatchObject({
      pipelineId: p.id,
      spec: { kind: 'cron', cron: '*/5 * * * *', timezone: 'Europe/Berlin' },
      scheduleStart: 7,
      enabled: true,
    });
    expect(hasJob(first)).toBe(true);

    const renamed = changed(p, (x, now) => x.rename('other name', 'u', now));
    expect((await registry.publish(renamed)).version).toBe(first.version);

    const disabled = changed(renamed, (x, now) => x.disable('u', now));
    const second = await registry.publish(disabled);
    expect(second.version).toBeGreaterThan(first.version);
    expect(hasJob(second)).toBe(false);
    expect(await registry.currentVersion()).toBeGreaterThanOrEqual(second.version);
  });

  it('never lets an older pipeline state overwrite a newer one', async () => {
    const p = pipelineWith(Schedule.period('1h'));
    const newer = changed(p, (x, now) => x.reschedule(Schedule.period('2h'), 'u', now));
    await registry.publish(newer);
    const stored = await registry.publish(p);
    expect(stored.spec).toEqual({ kind: 'period', period: '2h' });
  });

  it('keeps a tombstone for a deleted pipeline that later publishes cannot revive', async () => {
    const p = pipelineWith(Schedule.period('5m'));
    await registry.publish(p);
    const removed = await registry.remove(p.id);
    expect(removed).toMatchObject({ deleted: true, spec: null });
    const late = await registry.publish(changed(p, (x, now) => x.rename('late', 'u', now)));
    expect(hasJob(late)).toBe(false);
  });

  it('lists changes after a version, and recent ones again', async () => {
    const v0 = await registry.currentVersion();
    const p = pipelineWith(Schedule.period('15m'));
    const q = pipelineWith(Schedule.period('30m'));
    await registry.publish(p);
    await registry.publish(q);
    const after = await registry.changes(v0, 0);
    expect(after.map((e) => e.pipelineId)).toEqual([p.id, q.id]);
    const recent = await registry.changes(Number.MAX_SAFE_INTEGER, 60_000);
    expect(recent.map((e) => e.pipelineId)).toEqual(expect.arrayContaining([p.id, q.id]));
    const many = await registry.getMany([p.id, q.id]);
    expect(many.get(q.id)!.spec).toEqual({ kind: 'period', period: '30m' });
  });
});
