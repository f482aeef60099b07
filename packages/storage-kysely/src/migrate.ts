import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationResultSet } from 'kysely/migration';
import * as initialSchema from './migrations/20261123090000-initial-schema.js';
import * as runRetries from './migrations/20261125090000-run-retries.js';
import * as orgPipelineCounts from './migrations/20261125100000-org-pipeline-counts.js';
import * as connections from './migrations/20261203090000-connections.js';
import * as runLimits from './migrations/20261203120000-run-limits.js';
import * as userSeq from './migrations/20261203130000-user-seq.js';
import * as apiDeployments from './migrations/20261203131000-api-deployments.js';
import * as userMetadata from './migrations/20261203133000-user-metadata.js';
import * as runLeaseHolder from './migrations/20261204020000-run-lease-holder.js';
import * as runsPipelineIndex from './migrations/20261204030000-runs-pipeline-index.js';
import * as accountsAndInvitations from './migrations/20261204050000-accounts-and-invitations.js';

/**
 * The frozen migrations, listed here rather than read from a folder so the package
 * works from dist, from TypeScript source and bundled alike. Append only.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '20261123090000-initial-schema': initialSchema,
  '20261125090000-run-retries': runRetries,
  '20261125100000-org-pipeline-counts': orgPipelineCounts,
  '20261203090000-connections': connections,
  '20261203120000-run-limits': runLimits,
  '20261203130000-user-seq': userSeq,
  '20261203131000-api-deployments': apiDeployments,
  '20261203133000-user-metadata': userMetadata,
  '20261204020000-run-lease-holder': runLeaseHolder,
  '20261204030000-runs-pipeline-index': runsPipelineIndex,
  '20261204050000-accounts-and-invitations': accountsAndInvitations,
};

/** Own bookkeeping tables, so these migrations share a database with other packages' (the scheduler's). */
export const MIGRATION_TABLE = 'pipewright_storage_migration';
export const MIGRATION_LOCK_TABLE = 'pipewright_storage_migration_lock';

function migrator(db: Kysely<any>, schema: string): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...MIGRATIONS }) },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    migrationTableSchema: schema,
  });
}

function orThrow(result: MigrationResultSet): void {
  if (result.error) throw result.error instanceof Error ? result.error : new Error(String(result.error));
}

/** `create schema if not exists`, tolerating a concurrent creator (Postgres may still raise a unique violation). */
async function ensureSchema(db: Kysely<any>, schema: string): Promise<void> {
  const exists = async () =>
    (await sql<{ n: number }>`select 1 as n from pg_namespace where nspname = ${schema}`.execute(db)).rows.length > 0;
  if (await exists()) return;
  try {
    await db.schema.createSchema(schema).ifNotExists().execute();
  } catch (error) {
    if (!(await exists())) throw error;
  }
}

/**
 * Brings the schema up to date. Safe when several processes migrate at once: Kysely's
 * Migrator holds a Postgres advisory lock while it runs (and the PGlite dialect has
 * only one session), so exactly one of them applies each migration.
 * `schema` must match the search_path the `db` connections use (default `public`).
 */
export async function migrateToLatest(db: Kysely<any>, options: { schema?: string } = {}): Promise<string[]> {
  const schema = options.schema ?? 'public';
  await ensureSchema(db, schema);
  const result = await migrator(db, schema).migrateToLatest();
  orThrow(result);
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Names of the migrations and when each ran (undefined: pending). */
export async function migrationStatus(
  db: Kysely<any>,
  options: { schema?: string } = {},
): Promise<Array<{ name: string; executedAt?: Date }>> {
  const list = await migrator(db, options.schema ?? 'public').getMigrations();
  return list.map((m) => ({ name: m.name, executedAt: m.executedAt }));
}
