import { sql, type Kysely } from 'kysely';

/**
 * FROZEN: never edit a migration that has shipped; add a new file instead.
 * Uses Kysely<any> and no application imports, so later code changes cannot alter it.
 *
 * Each organization's exact pipeline count, kept by statement-level triggers in the same
 * transaction as the insert or delete, so an unfiltered list's exact total is one row read
 * instead of a COUNT over every pipeline of the org (100,000 of them at scale). Creating the
 * triggers locks `pipelines` until the backfill commits, so no insert slips between the two.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('org_pipeline_counts')
    .addColumn('org_id', 'uuid', (c) => c.primaryKey())
    .addColumn('pipelines', 'bigint', (c) => c.notNull())
    .execute();
  await sql`
    create function org_pipeline_counts_added() returns trigger language plpgsql as $$
    begin
      insert into org_pipeline_counts (org_id, pipelines)
        select org_id, count(*) from added group by org_id
        on conflict (org_id) do update set pipelines = org_pipeline_counts.pipelines + excluded.pipelines;
      return null;
    end $$`.execute(db);
  await sql`
    create function org_pipeline_counts_removed() returns trigger language plpgsql as $$
    begin
      update org_pipeline_counts c set pipelines = c.pipelines - r.n
        from (select org_id, count(*) as n from removed group by org_id) r
        where c.org_id = r.org_id;
      return null;
    end $$`.execute(db);
  await sql`create trigger pipelines_counted_on_insert after insert on pipelines
    referencing new table as added for each statement execute function org_pipeline_counts_added()`.execute(db);
  await sql`create trigger pipelines_counted_on_delete after delete on pipelines
    referencing old table as removed for each statement execute function org_pipeline_counts_removed()`.execute(db);
  await sql`insert into org_pipeline_counts (org_id, pipelines) select org_id, count(*) from pipelines group by org_id`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger pipelines_counted_on_delete on pipelines`.execute(db);
  await sql`drop trigger pipelines_counted_on_insert on pipelines`.execute(db);
  await sql`drop function org_pipeline_counts_removed()`.execute(db);
  await sql`drop function org_pipeline_counts_added()`.execute(db);
  await db.schema.dropTable('org_pipeline_counts').execute();
}
