import { afterAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { MIGRATION_LOCK_TABLE, MIGRATION_TABLE, MIGRATIONS, migrateToLatest } from '../src/migrate.js';
import { closeTestPglite, createTestDatabase, testServerUrl, type TestBackend } from '../src/testing.js';

const backends: TestBackend[] = (await testServerUrl()) ? ['pglite', 'postgres'] : ['pglite'];

afterAll(closeTestPglite);

describe.each(backends)('migration 20261203130000-user-seq on %s', (backend) => {
  it('numbers existing users by creation, and new ones continue after them', async () => {
    const database = await createTestDatabase({ backend, migrate: false });
    const handle = await database.open();
    const schema = database.options.schema ?? 'public';
    try {
      // Every migration before it, then three users created out of id order.
      const before = Object.fromEntries(Object.entries(MIGRATIONS).filter(([name]) => name < '20261203130000'));
      const migrator = new Migrator({
        db: handle.db,
        provider: { getMigrations: async () => before },
        migrationTableName: MIGRATION_TABLE,
        migrationLockTableName: MIGRATION_LOCK_TABLE,
        migrationTableSchema: schema,
      });
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      const users = [
        ['c0000000-0000-4000-8000-000000000001', 'first@example.test', '2026-01-01T00:00:00Z'],
        ['a0000000-0000-4000-8000-000000000002', 'second@example.test', '2026-01-02T00:00:00Z'],
        ['b0000000-0000-4000-8000-000000000003', 'third@example.test', '2026-01-03T00:00:00Z'],
      ] as const;
      for (const [id, email, at] of users)
        await sql`insert into users (id, email, name, is_active, created_at, updated_at) values (${id}, ${email}, 'u', true, ${at}::timestamptz, ${at}::timestamptz)`.execute(
          handle.db,
        );

      expect(await migrateToLatest(handle.db, { schema })).toContain('20261203130000-user-seq');
      const found = await handle.storage.users.findByIds(users.map(([id]) => id));
      expect(Object.fromEntries(found.map((u) => [u.email, u.seq]))).toEqual({
        'first@example.test': 1,
        'second@example.test': 2,
        'third@example.test': 3,
      });
      expect(await handle.storage.users.nextSeq()).toBe(4);
      expect((await handle.storage.users.findBySeqs([2]))[0]?.email).toBe('second@example.test');
    } finally {
      await handle.close();
      await database.drop();
    }
  });

  it('starts at 1 on a database without users', async () => {
    const database = await createTestDatabase({ backend });
    const handle = await database.open();
    try {
      expect(await handle.storage.users.nextSeq()).toBe(1);
    } finally {
      await handle.close();
      await database.drop();
    }
  });
});
