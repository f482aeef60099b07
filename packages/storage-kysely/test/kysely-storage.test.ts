import { afterAll, describe, expect, it } from '@jest/globals';
import {
  ConflictError,
  Organization,
  query,
  UnavailableError,
  User,
  type PipelineField,
  type PipelineSort,
} from '@pipewright/core';
import { sql } from 'kysely';
import pg from 'pg';
import { createKyselyStorage } from '../src/create-kysely-storage.js';
import {
  closeTestPglite,
  createTestDatabase,
  createTestStorage,
  testServerUrl,
  type TestBackend,
} from '../src/testing.js';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const uuid = () => globalThis.crypto.randomUUID();

// Postgres needs a server (TEST_DATABASE_URL in CI, or Docker with testcontainers); PGlite always runs.
const backends: TestBackend[] = (await testServerUrl()) ? ['pglite', 'postgres'] : ['pglite'];

afterAll(closeTestPglite);

describe('createKyselyStorage', () => {
  it('needs exactly one place for the data', async () => {
    await expect(createKyselyStorage({})).rejects.toThrow(/exactly one/);
    await expect(createKyselyStorage({ inMemory: true, url: 'postgres://x/y_test' })).rejects.toThrow(/exactly one/);
  });

  it('runs in memory, answers ping, and closes idempotently', async () => {
    const handle = await createKyselyStorage({ inMemory: true });
    expect(handle.driver).toBe('pglite');
    await handle.migrate();
    await handle.storage.ping();
    await Promise.all([handle.close(), handle.storage.close()]);
    expect(handle.pglite!.closed).toBe(true);
    await expect(handle.storage.ping()).rejects.toBeInstanceOf(UnavailableError);
  }, 60_000);

  it('releases what it created even when never used', async () => {
    const handle = await createKyselyStorage({ inMemory: true });
    await handle.close();
    expect(handle.pglite!.closed).toBe(true);
  }, 60_000);
});

describe.each(backends)('on %s', (backend) => {
  it('a value that cannot be a uuid or an int finds nothing, and leaves the transaction usable', async () => {
    const test = await createTestStorage({ backend });
    try {
      const org = Organization.create({
        id: uuid(),
        seq: await test.storage.organizations.nextSeq(),
        slug: 'acme-test',
        now: T0,
      });
      const result = await test.storage.transaction(async (tx) => {
        expect(await tx.workflows.findById('not-a-uuid')).toBeNull();
        expect(await tx.pipelines.findBySeq(2 ** 40)).toBeNull();
        expect(await tx.runs.findBySeq(-1)).toBeNull();
        const visibility = { orgId: org.id, userId: 'not-a-uuid', all: false };
        const filters = query<PipelineField, PipelineSort>({
          filters: [
            { field: 'id', op: 'equals', value: 'x' },
            { field: 'seq', op: 'gt', value: 1e12 },
            { field: 'createdAt', op: 'lt', value: 'not a date' },
          ],
          logical: 'or',
        });
        expect((await tx.pipelines.list(visibility, filters)).total).toBe(0);
        await tx.organizations.insert(org);
        return tx.organizations.findBySlug('acme-test');
      });
      expect(result?.id).toBe(org.id);
    } finally {
      await test.cleanup();
    }
  }, 60_000);

  it('maps unique violations to ConflictError and rolls the transaction back', async () => {
    const test = await createTestStorage({ backend });
    try {
      const ann = User.create({
        id: uuid(),
        seq: 1,
        email: 'ann@example.test',
        name: 'ann',
        passwordHash: null,
        now: T0,
      });
      await test.storage.users.insert(ann);
      const twin = User.create({
        id: uuid(),
        seq: 2,
        email: 'ann@example.test',
        name: 'twin',
        passwordHash: null,
        now: T0,
      });
      const bob = User.create({
        id: uuid(),
        seq: 3,
        email: 'bob@example.test',
        name: 'bob',
        passwordHash: null,
        now: T0,
      });
      const error = await test.storage
        .transaction(async (tx) => {
          await tx.users.insert(bob);
          await tx.users.insert(twin);
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConflictError);
      expect(error).toMatchObject({ entity: 'user', field: 'email', value: 'ann@example.test' });
      expect(await test.storage.users.findById(bob.id)).toBeNull();
    } finally {
      await test.cleanup();
    }
  }, 60_000);
});

const describeOnServer = backends.includes('postgres') ? describe : describe.skip;

// Pool ownership only matters with a server (PGlite has no pool).
describeOnServer('pools', () => {
  it('ends the pool it created for a url, even when never used', async () => {
    const database = await createTestDatabase({ backend: 'postgres', migrate: false });
    try {
      const handle = await createKyselyStorage({ url: database.url! });
      await handle.close();
      expect(handle.pool!.ended).toBe(true);
    } finally {
      await database.drop();
    }
  }, 60_000);

  it('survives a connection dying while checked out between statements, and goes on', async () => {
    const database = await createTestDatabase({ backend: 'postgres' });
    const admin = new pg.Client({ connectionString: database.url! });
    await admin.connect();
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    const handle = await createKyselyStorage({ url: database.url!, poolSize: 1 });
    try {
      const failed = await handle.db
        .transaction()
        .execute(async (trx) => {
          const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
          // Killed between two statements: no query is in flight to receive the error.
          await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
          await new Promise((r) => setTimeout(r, 200));
          await sql`select 1`.execute(trx);
        })
        .catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(Error);
      expect(uncaught).toEqual([]);
      // The dead connection was discarded: the next statement gets a new one.
      expect(await handle.storage.users.count()).toBe(0);
    } finally {
      process.off('uncaughtException', onUncaught);
      await handle.close();
      await admin.end();
      await database.drop();
    }
  }, 60_000);

  it('uses it and leaves it open on close', async () => {
    const database = await createTestDatabase({ backend: 'postgres' });
    const pool = new pg.Pool({ connectionString: database.url!, max: 2 });
    try {
      const handle = await createKyselyStorage({ pool });
      expect(handle.driver).toBe('postgres');
      expect(handle.pool).toBe(pool);
      expect(await handle.storage.users.count()).toBe(0);
      await handle.close();
      const { rows } = await pool.query('select 1 as one');
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
      await database.drop();
    }
  }, 60_000);
});
