import { Kysely, PostgresDialect } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import type pg from 'pg';
import * as queueTables from './migrations/20261204060000-queue-tables.js';

/** Frozen migrations of our tables next to pg-boss's schema. Listed, not read from a folder; append only. */
const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '20261204060000-queue-tables': queueTables,
};

/** Own bookkeeping tables, so these migrations share the database with storage's and the scheduler's. */
export const QUEUE_MIGRATION_TABLE = 'pipewright_queue_migration';
export const QUEUE_MIGRATION_LOCK_TABLE = 'pipewright_queue_migration_lock';

/**
 * Brings our queue tables (uploaded files, worker liveness) up to date. Every process runs it
 * at start; Kysely's migration lock makes concurrent starts safe.
 */
export async function migrateQueueSchema(pool: pg.Pool): Promise<void> {
  // Not destroyed: that would end the pool, which the connection keeps using.
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...MIGRATIONS }) },
    migrationTableName: QUEUE_MIGRATION_TABLE,
    migrationLockTableName: QUEUE_MIGRATION_LOCK_TABLE,
  });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error instanceof Error ? result.error : new Error(String(result.error));
}
