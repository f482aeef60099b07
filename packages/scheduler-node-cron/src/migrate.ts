import type { Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationResultSet } from 'kysely/migration';
import * as createScheduleTables from './migrations/20261123100000-create-schedule-tables.js';

/** Listed here rather than read from a folder, so the package works bundled and from source alike. */
const MIGRATIONS: Record<string, Migration> = {
  '20261123100000-create-schedule-tables': createScheduleTables,
};

/** Own bookkeeping tables, so these migrations coexist with the storage adapter's in one database. */
export const SCHEDULER_MIGRATION_TABLE = 'pipewright_scheduler_migration';
export const SCHEDULER_MIGRATION_LOCK_TABLE = 'pipewright_scheduler_migration_lock';

function migrator(db: Kysely<any>): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => MIGRATIONS },
    migrationTableName: SCHEDULER_MIGRATION_TABLE,
    migrationLockTableName: SCHEDULER_MIGRATION_LOCK_TABLE,
  });
}

function orThrow(result: MigrationResultSet): void {
  if (result.error) throw result.error instanceof Error ? result.error : new Error(String(result.error));
}

/** Creates or upgrades the scheduler's tables (fire ledger, schedule registry). Safe to run from several processes at once. */
export async function migrateScheduler(db: Kysely<any>): Promise<void> {
  orThrow(await migrator(db).migrateToLatest());
}

/** Drops the scheduler's tables (tests, uninstall). */
export async function resetScheduler(db: Kysely<any>): Promise<void> {
  const m = migrator(db);
  const applied = (await m.getMigrations()).filter((x) => x.executedAt).length;
  for (let i = 0; i < applied; i++) orThrow(await m.migrateDown());
}
