import { afterAll, describe, expect, it } from '@jest/globals';
import {
  NotFoundError,
  Organization,
  UnavailableError,
  User,
  ValidationError,
  type Repositories,
} from '@pipewright/core';
import { createKyselyStorage } from '../src/create-kysely-storage.js';
import {
  isRetryableConflict,
  translateDatabaseError,
  UNAVAILABLE_MESSAGE,
  UNSTORABLE_TEXT_MESSAGE,
} from '../src/database-errors.js';
import { closeTestPglite, createTestStorage, testServerUrl, type TestBackend } from '../src/testing.js';
import { retryingConflicts } from '../src/transaction-retry.js';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const uuid = () => globalThis.crypto.randomUUID();
const postgres = !!(await testServerUrl());
const backends: TestBackend[] = postgres ? ['pglite', 'postgres'] : ['pglite'];
const onPostgres = postgres ? it : it.skip;

afterAll(closeTestPglite);

const driverError = (code: string, message = `error ${code}`) => Object.assign(new Error(message), { code });

describe('retryingConflicts', () => {
  const noWait = { sleep: async () => {}, random: () => 0.5 };

  it('runs the whole unit again after a deadlock or a serialization failure', async () => {
    for (const code of ['40P01', '40001']) {
      let tries = 0;
      const result = await retryingConflicts(async () => {
        if (++tries === 1) throw driverError(code);
        return 'done';
      }, noWait);
      expect({ result, tries }).toEqual({ result: 'done', tries: 2 });
    }
  });

  it('gives up after the bounded tries with UnavailableError, the last abort as cause', async () => {
    let tries = 0;
    const last = driverError('40P01', 'deadlock detected');
    const error = await retryingConflicts(
      async () => {
        tries++;
        throw last;
      },
      { ...noWait, attempts: 4 },
    ).catch((e: unknown) => e);
    expect(tries).toBe(4);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).cause).toBe(last);
  });

  it('passes any other failure through at once', async () => {
    for (const failure of [new ValidationError('bad'), driverError('23505'), new Error('boom')]) {
      let tries = 0;
      const error = await retryingConflicts(async () => {
        tries++;
        throw failure;
      }, noWait).catch((e: unknown) => e);
      expect({ error, tries }).toEqual({ error: failure, tries: 1 });
    }
  });

  it('waits a jittered, growing time between tries', async () => {
    const waits: number[] = [];
    let tries = 0;
    await retryingConflicts(
      async () => {
        if (++tries < 4) throw driverError('40001');
      },
      { baseDelayMs: 10, sleep: async (ms) => void waits.push(ms), random: () => 0.999 },
    );
    expect(waits).toEqual([19, 39, 79]);
    waits.length = 0;
    tries = 0;
    await retryingConflicts(
      async () => {
        if (++tries < 3) throw driverError('40001');
      },
      { baseDelayMs: 10, sleep: async (ms) => void waits.push(ms), random: () => 0 },
    );
    expect(waits).toEqual([0, 0]);
  });
});

describe('translateDatabaseError', () => {
  it('turns a lost database into UnavailableError', () => {
    const lost = [
      driverError('ECONNREFUSED'),
      driverError('ECONNRESET'),
      driverError('57P01', 'terminating connection due to administrator command'),
      driverError('08006'),
      driverError('53300', 'too many clients'),
      new Error('Connection terminated unexpectedly'),
    ];
    for (const error of lost) {
      const translated = translateDatabaseError(error);
      expect(translated).toBeInstanceOf(UnavailableError);
      expect((translated as Error).message).toBe(UNAVAILABLE_MESSAGE);
      expect((translated as Error).cause).toBe(error);
    }
  });

  it('turns data the database refuses into ValidationError', () => {
    const translated = translateDatabaseError(driverError('22021'));
    expect(translated).toBeInstanceOf(ValidationError);
    expect((translated as ValidationError).issues).toEqual([
      { field: 'non_field_errors', message: UNSTORABLE_TEXT_MESSAGE, code: 'invalid' },
    ]);
    expect(translateDatabaseError(driverError('22003'))).toBeInstanceOf(ValidationError);
  });

  it('leaves domain errors, retryable conflicts and unknown failures as they are', () => {
    for (const error of [new NotFoundError('Run'), driverError('40P01'), driverError('42P01'), new Error('boom')])
      expect(translateDatabaseError(error)).toBe(error);
    expect(isRetryableConflict(driverError('40P01'))).toBe(true);
    expect(isRetryableConflict(driverError('23505'))).toBe(false);
  });
});

describe('the storage', () => {
  onPostgres(
    'runs a transaction the database aborted for a deadlock again, to success',
    async () => {
      const test = await createTestStorage({ backend: 'postgres' });
      try {
        const orgs = await Promise.all(
          ['deadlock-a', 'deadlock-b'].map(async (slug) =>
            Organization.create({ id: uuid(), seq: await test.storage.organizations.nextSeq(), slug, now: T0 }),
          ),
        );
        for (const org of orgs) await test.storage.organizations.insert(org);
        const [a, b] = orgs as [Organization, Organization];
        // Each transaction locks one row (an update), waits until the other did too, then wants the other's row.
        let arrived = 0;
        let bothArrived!: () => void;
        const barrier = new Promise<void>((resolve) => (bothArrived = resolve));
        const tries = { first: 0, second: 0 };
        const lockBoth =
          (name: 'first' | 'second', one: Organization, other: Organization) => async (tx: Repositories) => {
            tries[name]++;
            await tx.organizations.update(one);
            if (++arrived === 2) bothArrived();
            await barrier;
            await tx.organizations.update(other);
            return name;
          };
        const results = await Promise.all([
          test.storage.transaction(lockBoth('first', a, b)),
          test.storage.transaction(lockBoth('second', b, a)),
        ]);
        expect(results).toEqual(['first', 'second']);
        // The one Postgres chose as the deadlock victim ran twice; the other once.
        expect(tries.first + tries.second).toBe(3);
      } finally {
        await test.cleanup();
      }
    },
    30_000,
  );

  onPostgres('answers UnavailableError when the database cannot be reached', async () => {
    const handle = await createKyselyStorage({ url: 'postgres://postgres@127.0.0.1:1/unreachable_test' });
    try {
      await expect(handle.storage.organizations.findById(uuid())).rejects.toBeInstanceOf(UnavailableError);
      await expect(handle.storage.transaction((tx) => tx.organizations.findById(uuid()))).rejects.toBeInstanceOf(
        UnavailableError,
      );
    } finally {
      await handle.close();
    }
  });

  describe.each(backends)('on %s', (backend) => {
    it('answers ValidationError for text it cannot store, and NotFoundError for a gone run inside a transaction', async () => {
      const test = await createTestStorage({ backend });
      try {
        const nul = User.create({
          id: uuid(),
          seq: 1,
          email: 'nul@example.test',
          name: 'a\u0000b',
          passwordHash: null,
          now: T0,
        });
        await expect(test.storage.users.insert(nul)).rejects.toBeInstanceOf(ValidationError);
        const line = {
          id: uuid(),
          runId: uuid(),
          level: 'INFO' as const,
          stage: null,
          message: 'late',
          fileExecutionId: null,
          time: T0,
        };
        // Outside a transaction: a line of a run that went with its pipeline is dropped.
        await test.storage.runLogs.append([line]);
        await expect(test.storage.transaction((tx) => tx.runLogs.append([line]))).rejects.toBeInstanceOf(NotFoundError);
      } finally {
        await test.cleanup();
      }
    }, 60_000);
  });
});
