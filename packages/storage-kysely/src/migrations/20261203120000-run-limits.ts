import { sql, type Kysely } from 'kysely';

/**
 * FROZEN: never edit a migration that has shipped; add a new file instead.
 * Uses Kysely<any> and no application imports, so later code changes cannot alter it.
 *
 * Fair share and run limits: an organization's own limit on runs executing at once, and a
 * pipeline's own wall-clock limit per run (seconds). Null, as for existing rows: the operator's
 * default or maximum applies.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('organizations')
    .addColumn('max_concurrent_runs', 'integer', (c) => c.check(sql`max_concurrent_runs > 0`))
    .execute();
  await db.schema
    .alterTable('pipelines')
    .addColumn('run_timeout_seconds', 'integer', (c) => c.check(sql`run_timeout_seconds > 0`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('pipelines').dropColumn('run_timeout_seconds').execute();
  await db.schema.alterTable('organizations').dropColumn('max_concurrent_runs').execute();
}
