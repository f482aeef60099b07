import { afterAll, describe, expect, it } from '@jest/globals';
import { sql, type Kysely } from 'kysely';
import { createKyselyStorage } from '../src/create-kysely-storage.js';
import { MIGRATION_TABLE, MIGRATIONS, migrateToLatest, migrationStatus } from '../src/migrate.js';
import { closeTestPglite, createTestDatabase, testServerUrl, type TestBackend } from '../src/testing.js';

const ALL = Object.keys(MIGRATIONS);
const TABLES = [
  'api_deployments',
  'api_keys',
  'connections',
  'file_executions',
  'file_histories',
  'invitations',
  'memberships',
  'org_pipeline_counts',
  'organizations',
  'pipeline_tags',
  'pipelines',
  'run_linked_pipelines',
  'run_logs',
  'runs',
  'tags',
  'users',
  'workflows',
];

async function tablesIn(db: Kysely<any>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_name not like 'pipewright_%' order by 1`.execute(db);
  return rows.map((r) => r.name);
}

async function appliedCount(db: Kysely<any>): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(MIGRATION_TABLE)}`.execute(db);
  return rows[0]!.n;
}

// Postgres needs a server (TEST_DATABASE_URL in CI, or Docker with testcontainers); PGlite always runs.
const backends: TestBackend[] = (await testServerUrl()) ? ['pglite', 'postgres'] : ['pglite'];

afterAll(closeTestPglite);

describe.each(backends)('migrations on %s', (backend) => {
  it('creates every table on an empty database, then re-running applies nothing', async () => {
    const database = await createTestDatabase({ backend, migrate: false });
    const handle = await database.open();
    try {
      expect(await tablesIn(handle.db)).toEqual([]);
      expect(await migrateToLatest(handle.db, { schema: database.options.schema })).toEqual(ALL);
      expect(await tablesIn(handle.db)).toEqual(TABLES);
      expect(await migrateToLatest(handle.db, { schema: database.options.schema })).toEqual([]);
      await handle.migrate();
      expect(await appliedCount(handle.db)).toBe(ALL.length);
      const status = await migrationStatus(handle.db, { schema: database.options.schema });
      expect(status.map((m) => m.name)).toEqual(ALL);
      expect(status.every((m) => m.executedAt instanceof Date)).toBe(true);
    } finally {
      await handle.close();
      await database.drop();
    }
  });

  it('lets several migrators race on a fresh database: exactly one applies each migration', async () => {
    const database = await createTestDatabase({ backend, migrate: false });
    // Separate storages: on Postgres each has its own pool, like separate processes.
    const handles = await Promise.all([database.open(), database.open(), database.open()]);
    try {
      const applied = await Promise.all(handles.map((h) => migrateToLatest(h.db, { schema: database.options.schema })));
      expect(applied.flat().sort()).toEqual([...ALL].sort());
      expect(applied.filter((names) => names.length > 0)).toHaveLength(1);
      expect(await appliedCount(handles[0]!.db)).toBe(ALL.length);
      expect(await tablesIn(handles[1]!.db)).toEqual(TABLES);
    } finally {
      await Promise.all(handles.map((h) => h.close()));
      await database.drop();
    }
  });

  it('migrates into a named schema without touching the default one', async () => {
    const database = await createTestDatabase({ backend, migrate: false });
    const scoped = await createKyselyStorage({ ...database.options, schema: 'tenant_test_a' });
    const plain = await database.open();
    try {
      await scoped.migrate();
      expect(await tablesIn(scoped.db)).toEqual(TABLES);
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(scoped.db);
      expect(rows[0]!.schema).toBe('tenant_test_a');
      if (backend === 'postgres') expect(await tablesIn(plain.db)).toEqual([]);
    } finally {
      await sql`drop schema if exists tenant_test_a cascade`.execute(plain.db);
      await scoped.close();
      await plain.close();
      await database.drop();
    }
  });
});
