import { afterAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { MIGRATION_LOCK_TABLE, MIGRATION_TABLE, MIGRATIONS, migrateToLatest } from '../src/migrate.js';
import { closeTestPglite, createTestDatabase, testServerUrl, type TestBackend } from '../src/testing.js';

const backends: TestBackend[] = (await testServerUrl()) ? ['pglite', 'postgres'] : ['pglite'];

afterAll(closeTestPglite);

describe.each(backends)('migration 20261204050000-accounts-and-invitations on %s', (backend) => {
  it("makes the admins of the server's own (first) organization server admins, and nobody else", async () => {
    const database = await createTestDatabase({ backend, migrate: false });
    const handle = await database.open();
    const schema = database.options.schema ?? 'public';
    try {
      const before = Object.fromEntries(Object.entries(MIGRATIONS).filter(([name]) => name < '20261204050000'));
      const migrator = new Migrator({
        db: handle.db,
        provider: { getMigrations: async () => before },
        migrationTableName: MIGRATION_TABLE,
        migrationLockTableName: MIGRATION_LOCK_TABLE,
        migrationTableSchema: schema,
      });
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      const t = '2026-01-01T00:00:00Z';
      const orgs = [
        ['00000000-0000-4000-8000-00000000000a', 'main', 1],
        ['00000000-0000-4000-8000-00000000000b', 'aaa-tenant', 2],
      ] as const;
      for (const [id, slug, seq] of orgs)
        await sql`insert into organizations (id, slug, seq, name, mode, created_at, updated_at) values (${id}, ${slug}, ${seq}, ${slug}, 'normal', ${t}::timestamptz, ${t}::timestamptz)`.execute(
          handle.db,
        );
      const users = [
        ['10000000-0000-4000-8000-000000000001', 'root@example.test', 1, orgs[0][0], 'admin'],
        ['10000000-0000-4000-8000-000000000002', 'member@example.test', 2, orgs[0][0], 'member'],
        ['10000000-0000-4000-8000-000000000003', 'tenant@example.test', 3, orgs[1][0], 'admin'],
      ] as const;
      for (const [id, email, seq, orgId, role] of users) {
        await sql`insert into users (id, seq, email, name, is_active, created_at, updated_at) values (${id}, ${seq}, ${email}, 'u', true, ${t}::timestamptz, ${t}::timestamptz)`.execute(
          handle.db,
        );
        await sql`insert into memberships (org_id, user_id, role, created_at) values (${orgId}, ${id}, ${role}, ${t}::timestamptz)`.execute(
          handle.db,
        );
      }

      expect(await migrateToLatest(handle.db, { schema })).toContain('20261204050000-accounts-and-invitations');
      const found = await handle.storage.users.findByIds(users.map(([id]) => id));
      expect(Object.fromEntries(found.map((u) => [u.email, [u.isServerAdmin, u.sessionVersion]]))).toEqual({
        'root@example.test': [true, 0],
        'member@example.test': [false, 0],
        'tenant@example.test': [false, 0],
      });
    } finally {
      await handle.close();
      await database.drop();
    }
  });
});
