import { sql, type Kysely } from 'kysely';

/**
 * FROZEN: never edit a migration that has shipped; add a new file instead.
 * Uses Kysely<any> and no application imports, so later code changes cannot alter it.
 *
 * The last runs of each pipeline of a page (Unstract's `last_5_run_statuses`) are read with one
 * LATERAL query, per pipeline an index range read of its highest run numbers.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index runs_pipeline_index_idx on runs (pipeline_id, run_index desc) where run_index is not null`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists runs_pipeline_index_idx`.execute(db);
}
