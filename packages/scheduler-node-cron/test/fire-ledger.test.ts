import { randomUUID } from 'node:crypto';
import { systemClock } from '@pipewright/core';
import { coordinationKey, FireLedger } from '../src/fire-ledger.js';
import { BACKENDS, type TestDatabase } from './support/databases.js';

describe.each(BACKENDS)('FireLedger on %s', (_name, open) => {
  let database: TestDatabase;
  let a: FireLedger;
  let b: FireLedger;

  beforeAll(async () => {
    database = await open();
    a = new FireLedger(database.connect().db, 'replica-a', systemClock);
    b = new FireLedger(database.connect().db, 'replica-b', systemClock);
  });
  afterAll(() => database.close());

  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

  it('lets exactly one of several concurrent claimers run a fire', async () => {
    const pipelineId = randomUUID();
    const key = coordinationKey(pipelineId, at(0));
    const results = await Promise.all([a.shouldRun(key), b.shouldRun(key), a.shouldRun(key), b.shouldRun(key)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await a.claim(pipelineId, at(0))).toBe(false);
    expect(await a.claim(pipelineId, at(2))).toBe(true);
  });

  it('claims batched in one tick by several clients, in any order: each fire won once', async () => {
    const ledgers = ['x', 'y', 'z'].map((id) => new FireLedger(database.connect().db, id, systemClock));
    await Promise.all(ledgers.map((l) => l.lastFire(randomUUID()))); // connect first, so the claims overlap
    for (let round = 0; round < 3; round++) {
      const keys = Array.from({ length: 2000 }, (_, i) => ({ pipelineId: randomUUID(), fireAt: at(i % 60) }));
      const shuffled = () => [...keys].sort(() => Math.random() - 0.5);
      const won = await Promise.all(
        ledgers.map((l) => Promise.all(shuffled().map((k) => l.claim(k.pipelineId, k.fireAt)))),
      );
      expect(won.flat().filter(Boolean)).toHaveLength(keys.length);
    }
  });

  it('records the outcome on the claimed row, only from the claimer', async () => {
    const pipelineId = randomUUID();
    const runId = randomUUID();
    expect(await a.claim(pipelineId, at(0))).toBe(true);
    await b.record(pipelineId, at(0), { outcome: 'failed', reason: 'not mine' });
    await a.record(pipelineId, at(0), { outcome: 'fired', runId });
    expect(await a.claim(pipelineId, at(2))).toBe(true);
    await a.record(pipelineId, at(2), { outcome: 'skipped', reason: 'in_progress' });
    const page = await b.list(pipelineId, { page: 1, size: 10 });
    expect(page.total).toBe(2);
    expect(page.items.map((r) => [r.fireAt.toISOString(), r.outcome, r.reason, r.runId, r.claimedBy])).toEqual([
      [at(2).toISOString(), 'skipped', 'in_progress', null, 'replica-a'],
      [at(0).toISOString(), 'fired', null, runId, 'replica-a'],
    ]);
  });

  it('records missed fires without touching fires someone ran, and lets one process claim a missed fire', async () => {
    const pipelineId = randomUUID();
    await a.claim(pipelineId, at(2));
    expect(await b.recordMissed(pipelineId, [at(0), at(2), at(4)], 'scheduler_down')).toBe(2);
    expect(await a.recordMissed(pipelineId, [at(0), at(4)])).toBe(0);
    expect(await a.claimMissed(pipelineId, at(2))).toBe(false);
    const claims = await Promise.all([a.claimMissed(pipelineId, at(4)), b.claimMissed(pipelineId, at(4))]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    const rows = (await a.list(pipelineId, { page: 1, size: 10 })).items;
    expect(rows.map((r) => r.outcome)).toEqual(['claimed', 'claimed', 'missed']);
    expect(rows[2]!.reason).toBe('scheduler_down');
  });

  it('pages newest first and finds the last fire before an instant', async () => {
    const pipelineId = randomUUID();
    const other = randomUUID();
    await a.recordMissed(pipelineId, [0, 2, 4, 6, 8].map(at));
    await a.recordMissed(other, [at(1)]);
    const page2 = await a.list(pipelineId, { page: 2, size: 2 });
    expect(page2).toMatchObject({ total: 5 });
    expect(page2.items.map((r) => r.fireAt.getUTCSeconds())).toEqual([4, 2]);
    expect((await a.lastFire(pipelineId))!.fireAt).toEqual(at(8));
    expect((await a.lastFire(pipelineId, at(5)))!.fireAt).toEqual(at(4));
    expect(await a.lastFire(randomUUID())).toBeNull();
    const last = await a.lastFireTimes([pipelineId, other, randomUUID()], at(7));
    expect([...last.entries()].sort()).toEqual(
      [
        [pipelineId, at(6)],
        [other, at(1)],
      ].sort(),
    );
  });

  it('prunes rows older than a cutoff', async () => {
    const pipelineId = randomUUID();
    await a.recordMissed(pipelineId, [
      new Date('2000-01-01T00:00:00Z'),
      new Date('2000-01-01T00:01:00Z'),
      new Date('2099-01-01T00:00:00Z'),
    ]);
    expect(await a.prune(new Date('2001-01-01T00:00:00Z'), 1)).toBeGreaterThanOrEqual(2);
    expect((await a.list(pipelineId, { page: 1, size: 10 })).total).toBe(1);
  });
});
