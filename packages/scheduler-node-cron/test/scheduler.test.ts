import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Schedule, ValidationError, type ScheduledFireOutcome } from '@pipewright/core';
import { sql } from 'kysely';
import { NodeCronScheduler, type NodeCronSchedulerOptions } from '../src/node-cron-scheduler.js';
import { BACKENDS, TEST_DATABASE_URL, createPostgresDatabase, type TestDatabase } from './support/databases.js';
import { changed, eventually, pipelineWith, sleep } from './support/pipelines.js';

jest.setTimeout(30_000);

const EVERY_SECOND = Schedule.cron('* * * * * *');
const EVERY_2S = Schedule.cron('*/2 * * * * *');

/** A fake `fire` that remembers its calls and answers per pipeline. */
function fakeFire(answers: Record<string, () => ScheduledFireOutcome> = {}) {
  const calls: { pipelineId: string; runId: string | null }[] = [];
  const fire = async (pipelineId: string): Promise<ScheduledFireOutcome> => {
    const answer = answers[pipelineId]?.() ?? { outcome: 'fired', runId: randomUUID() };
    calls.push({ pipelineId, runId: answer.outcome === 'fired' ? answer.runId : null });
    return answer;
  };
  return { calls, fire };
}

describe.each(BACKENDS)('NodeCronScheduler on %s', (_name, open) => {
  let database: TestDatabase;
  const started: NodeCronScheduler[] = [];

  function scheduler(
    options: Partial<NodeCronSchedulerOptions> & Pick<NodeCronSchedulerOptions, 'fire'>,
  ): NodeCronScheduler {
    const s = new NodeCronScheduler({
      db: database.connect().db,
      loadScheduled: async () => [],
      misfirePolicy: 'skip',
      pollIntervalMs: 200,
      // Also node-cron's tolerance for late timers: generous, so a loaded machine does not skip fires.
      misfireGraceMs: 5000,
      onError: (e, context) => {
        throw new Error(`unexpected scheduler error (${context}): ${String(e)}`);
      },
      ...options,
    });
    started.push(s);
    return s;
  }

  beforeAll(async () => {
    database = await open();
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.stop()));
  });
  afterAll(() => database.close());

  const rows = async (pipelineId: string) => (await started[0]!.fires(pipelineId, { page: 1, size: 1000 })).items;

  it('fires each scheduled pipeline and records fired, skipped and failed outcomes', async () => {
    const ok = pipelineWith(EVERY_SECOND);
    const busy = pipelineWith(EVERY_SECOND);
    const broken = pipelineWith(EVERY_SECOND);
    const { fire } = fakeFire({
      [busy.id]: () => ({ outcome: 'skipped', reason: 'in_progress' }),
      [broken.id]: () => {
        throw new Error('executor unavailable');
      },
    });
    const s = scheduler({ fire, loadScheduled: async () => [ok, busy, broken] });
    await s.start();
    expect(s.scheduledPipelineIds().sort()).toEqual([ok.id, busy.id, broken.id].sort());
    await eventually(
      async () =>
        (await Promise.all([ok, busy, broken].map((p) => rows(p.id)))).every((r) =>
          r.some((x) => x.outcome !== 'claimed'),
        ),
      5000,
    );
    const settled = (r: Awaited<ReturnType<typeof rows>>) => r.filter((x) => x.outcome !== 'claimed');
    expect(settled(await rows(ok.id))[0]).toMatchObject({ outcome: 'fired', claimedBy: s.instanceId, reason: null });
    expect(settled(await rows(ok.id))[0]!.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(settled(await rows(busy.id))[0]).toMatchObject({ outcome: 'skipped', reason: 'in_progress', runId: null });
    expect(settled(await rows(broken.id))[0]).toMatchObject({ outcome: 'failed', reason: 'executor unavailable' });
    for (const r of await rows(ok.id)) expect(r.fireAt.getUTCMilliseconds()).toBe(0);
  });

  it('gives next fire times that node-cron agrees with, and none for unscheduled or disabled pipelines', async () => {
    const s = scheduler({ fire: fakeFire().fire });
    const cron = pipelineWith(Schedule.cron('*/5 * * * * *', 'America/New_York'));
    const period = pipelineWith(Schedule.period('15m'), { scheduleStart: 7 });
    const dom = pipelineWith(Schedule.cron('0 0 13 * 5', 'Europe/Berlin'));
    await s.start();
    for (const p of [cron, period, dom]) {
      await s.sync(p);
      expect(s.localJob(p.id)!.nextRun).toEqual(s.nextFire(p));
    }
    expect(s.nextFire(pipelineWith(null))).toBeNull();
    expect(s.nextFire(pipelineWith(EVERY_SECOND, { enabled: false }))).toBeNull();
  });

  it('runs each fire once with two instances on one database, and records who ran it', async () => {
    const pipelines = [pipelineWith(EVERY_SECOND), pipelineWith(EVERY_SECOND), pipelineWith(EVERY_SECOND)];
    const fake = fakeFire();
    const a = scheduler({ fire: fake.fire, loadScheduled: async () => pipelines, instanceId: 'a' });
    const b = scheduler({ fire: fake.fire, loadScheduled: async () => pipelines, instanceId: 'b' });
    await Promise.all([a.start(), b.start()]);
    await sleep(3200);
    await Promise.all([a.stop(), b.stop()]);
    for (const p of pipelines) {
      const ledger = await rows(p.id);
      const calls = fake.calls.filter((c) => c.pipelineId === p.id);
      expect(ledger.length).toBeGreaterThanOrEqual(3);
      expect(calls).toHaveLength(ledger.length);
      expect(ledger.every((r) => r.outcome === 'fired')).toBe(true);
      expect(new Set(ledger.map((r) => r.runId))).toEqual(new Set(calls.map((c) => c.runId)));
    }
  });

  it('propagates creates, changes, disables and deletes to another instance by polling', async () => {
    const a = scheduler({ fire: fakeFire().fire, pollIntervalMs: 60_000 });
    const b = scheduler({ fire: fakeFire().fire, pollIntervalMs: 250 });
    await Promise.all([a.start(), b.start()]);
    const p = pipelineWith(Schedule.cron('0 0 * * *'));

    await a.sync(p);
    expect(a.localJob(p.id)).not.toBeNull();
    const created = await eventually(() => b.localJob(p.id) !== null, 3000);

    const hourly = changed(p, (x, now) => x.reschedule(Schedule.period('1h'), 'u', now));
    await a.sync(hourly);
    const rescheduled = await eventually(() => b.localJob(p.id)?.patterns[0] === '0 0 * * * *', 3000);

    const disabled = changed(hourly, (x, now) => x.disable('u', now));
    await a.sync(disabled);
    expect(a.localJob(p.id)).toBeNull();
    await eventually(() => b.localJob(p.id) === null, 3000);

    await a.sync(changed(disabled, (x, now) => x.enable('u', now)));
    await eventually(() => b.localJob(p.id) !== null, 3000);
    await a.unregister(p.id);
    expect(a.localJob(p.id)).toBeNull();
    const deleted = await eventually(() => b.localJob(p.id) === null, 3000);
    expect(Math.max(created, rescheduled, deleted)).toBeLessThan(2000);
  });

  it('records fires missed while every process was down, and runs once for them across two starting instances', async () => {
    const p = pipelineWith(EVERY_2S);
    const q = pipelineWith(EVERY_2S);
    const seeder = scheduler({ fire: fakeFire().fire });
    // p last fired 20 s ago; q was never fired but its job was published 10 s ago.
    const lastFire = new Date(Math.floor(Date.now() / 2000) * 2000 - 20_000);
    await seeder.ledger.claim(p.id, lastFire);
    await seeder.ledger.record(p.id, lastFire, { outcome: 'fired', runId: randomUUID() });
    await seeder.registry.publish(q);
    await sql`update schedule_registry set changed_at = now() - interval '10 seconds' where pipeline_id = ${q.id}`.execute(
      database.connect().db,
    );

    const fake = fakeFire();
    const startAt = Date.now();
    const a = scheduler({
      fire: fake.fire,
      misfirePolicy: 'run-once',
      misfireGraceMs: 200,
      loadScheduled: async () => [p, q],
      instanceId: 'a',
    });
    const b = scheduler({
      fire: fake.fire,
      misfirePolicy: 'run-once',
      misfireGraceMs: 200,
      loadScheduled: async () => [p, q],
      instanceId: 'b',
    });
    await Promise.all([a.start(), b.start()]);
    const reports = await Promise.all([a.misfireRecovered(), b.misfireRecovered()]);
    await Promise.all([a.stop(), b.stop()]);

    expect(reports.flatMap((r) => r.ranOnce).sort()).toEqual([p.id, q.id].sort());
    const pRows = await rows(p.id);
    const missedP = pRows.filter((r) => r.outcome === 'missed' || r.reason === 'misfire_run_once');
    // Every 2 s in (lastFire, start]: about 10 slots, all recorded, the latest one run late.
    expect(missedP.length).toBeGreaterThanOrEqual(9);
    expect(missedP.every((r) => r.fireAt > lastFire && r.fireAt.getTime() <= startAt + 1000)).toBe(true);
    expect(pRows.filter((r) => r.reason === 'misfire_run_once')).toHaveLength(1);
    expect(pRows.find((r) => r.reason === 'misfire_run_once')!.fireAt).toEqual(missedP[0]!.fireAt);
    expect(missedP.slice(1).every((r) => r.outcome === 'missed' && r.reason === 'scheduler_down')).toBe(true);
    const qRows = await rows(q.id);
    expect(qRows.filter((r) => r.outcome === 'missed').length).toBeGreaterThanOrEqual(3);
    expect(qRows.filter((r) => r.reason === 'misfire_run_once')).toHaveLength(1);
    // One fire call per ledger row that was run: no run twice.
    for (const x of [p, q]) {
      const ran = (await rows(x.id)).filter((r) => r.outcome === 'fired' && r.fireAt > lastFire);
      expect(fake.calls.filter((c) => c.pipelineId === x.id)).toHaveLength(ran.length);
    }
  });

  it('only records missed fires with the skip policy', async () => {
    const p = pipelineWith(EVERY_2S);
    const seeder = scheduler({ fire: fakeFire().fire });
    const lastFire = new Date(Math.floor(Date.now() / 2000) * 2000 - 10_000);
    await seeder.ledger.claim(p.id, lastFire);
    await seeder.ledger.record(p.id, lastFire, { outcome: 'fired', runId: randomUUID() });
    const s = scheduler({
      fire: fakeFire().fire,
      misfirePolicy: 'skip',
      misfireGraceMs: 200,
      loadScheduled: async () => [p],
    });
    await s.start();
    const report = await s.misfireRecovered();
    expect(report.ranOnce).toEqual([]);
    expect(report.missed).toBeGreaterThanOrEqual(4);
  });

  it('rejects schedules it would never run', () => {
    const s = scheduler({ fire: fakeFire().fire, minIntervalSeconds: 60 });
    expect(() => s.validate(Schedule.cron('0 0 30 2 *'))).toThrow(ValidationError);
    expect(() => s.validate(Schedule.cron('*/10 * * * * *'))).toThrow(/minimum interval/);
    expect(() => s.validate(Schedule.cron('*/5 * * * *'))).not.toThrow();
  });
});

// LISTEN/NOTIFY needs a Postgres server (PGlite deployments poll); CI sets TEST_DATABASE_URL.
(TEST_DATABASE_URL ? describe : describe.skip)('NodeCronScheduler change notifications on Postgres', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createPostgresDatabase();
  });
  afterAll(() => database.close());

  it('reaches another instance at once through LISTEN/NOTIFY, without waiting for a poll', async () => {
    const make = () => {
      const { db, listen } = database.connect();
      return new NodeCronScheduler({
        db,
        listen,
        fire: fakeFire().fire,
        loadScheduled: async () => [],
        misfirePolicy: 'skip',
        pollIntervalMs: 60_000,
      });
    };
    const a = make();
    const b = make();
    await Promise.all([a.start(), b.start()]);
    try {
      const p = pipelineWith(Schedule.period('1h'));
      await a.sync(p);
      expect(await eventually(() => b.localJob(p.id) !== null, 3000)).toBeLessThan(1000);
      await a.unregister(p.id);
      expect(await eventually(() => b.localJob(p.id) === null, 3000)).toBeLessThan(1000);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
