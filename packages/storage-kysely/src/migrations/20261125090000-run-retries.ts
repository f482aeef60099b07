import { type Kysely } from 'kysely';

/**
 * FROZEN: never edit a migration that has shipped; add a new file instead.
 * Uses Kysely<any> and no application imports, so later code changes cannot alter it.
 *
 * Retries of runs that fail with a retryable error: each pipeline's policy (defaults: one
 * attempt, i.e. no retry) and each run's attempt number. Existing rows take the defaults.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('pipelines')
    .addColumn('retry_max_attempts', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('retry_backoff_seconds', 'integer', (c) => c.notNull().defaultTo(10))
    .addColumn('retry_backoff_multiplier', 'double precision', (c) => c.notNull().defaultTo(2))
    .addColumn('retry_max_backoff_seconds', 'integer', (c) => c.notNull().defaultTo(600))
    .execute();
  await db.schema
    .alterTable('runs')
    .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('runs').dropColumn('attempt').execute();
  await db.schema
    .alterTable('pipelines')
    .dropColumn('retry_max_attempts')
    .dropColumn('retry_backoff_seconds')
    .dropColumn('retry_backoff_multiplier')
    .dropColumn('retry_max_backoff_seconds')
    .execute();
}
