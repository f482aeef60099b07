import { sql, type Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import { migrateScheduler, resetScheduler, SCHEDULER_MIGRATION_TABLE } from '../src/migrate.js';
import { BACKENDS, type TestDatabase } from './support/databases.js';

const tables = async (db: Kysely<any>) =>
  (
    await sql<{
      t: string;
    }>`select table_name as t from information_schema.tables where table_schema = 'public' order by 1`.execute(db)
  ).rows.map((r) => r.t);

describe.each(BACKENDS)('scheduler migrations on %s', (_name, open) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await open(); // already migrated once
  });
  afterAll(() => database.close());

  it('are idempotent and safe to run from several connections at once', async () => {
    await Promise.all([migrateScheduler(database.connect().db), migrateScheduler(database.connect().db)]);
    expect(await tables(database.connect().db)).toEqual(
      expect.arrayContaining(['schedule_fires', 'schedule_registry', SCHEDULER_MIGRATION_TABLE]),
    );
  });

  it("coexist with another migration set in the same database (the storage adapter's)", async () => {
    const db = database.connect().db;
    const other = new Migrator({
      db,
      provider: {
        getMigrations: async () => ({
          '0001-storage': {
            up: async (d: Kysely<any>) =>
              void (await d.schema.createTable('storage_thing').addColumn('id', 'integer').execute()),
          },
        }),
      },
    });
    expect((await other.migrateToLatest()).error).toBeUndefined();
    await migrateScheduler(db);
    expect(await tables(db)).toEqual(
      expect.arrayContaining(['kysely_migration', 'storage_thing', SCHEDULER_MIGRATION_TABLE, 'schedule_fires']),
    );

    await resetScheduler(db);
    const left = await tables(db);
    expect(left).toContain('storage_thing');
    expect(left).not.toContain('schedule_fires');
    expect(left).not.toContain('schedule_registry');
    await migrateScheduler(db);
  });
});
