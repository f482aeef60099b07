import { sql, type Kysely } from 'kysely';

// Frozen: migrations never import application code, so they keep meaning what they meant.
// `if not exists`: installs from before this migration created these tables at start.

export async function up(db: Kysely<any>): Promise<void> {
  // Files uploaded with a run (a worker on another machine cannot read the server's disk).
  await sql`
    create table if not exists pipewright_run_uploads (
      run_id text not null,
      position integer not null,
      name text not null,
      mime_type text,
      content bytea not null,
      primary key (run_id, position)
    )`.execute(db);
  await sql`
    create table if not exists pipewright_run_upload_parts (
      run_id text not null,
      position integer not null,
      part integer not null,
      content bytea not null,
      primary key (run_id, position, part)
    )`.execute(db);
  // Transient bytes, read back once or twice: not worth compressing.
  await sql`alter table pipewright_run_upload_parts alter column content set storage external`.execute(db);
  // The workers' liveness rows.
  await sql`
    create table if not exists pipewright_workers (
      id text primary key,
      host text not null,
      pid integer not null,
      concurrency integer not null,
      running integer not null default 0,
      started_at timestamptz not null,
      last_heartbeat_at timestamptz not null,
      stopped_at timestamptz
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists pipewright_workers`.execute(db);
  await sql`drop table if exists pipewright_run_upload_parts`.execute(db);
  await sql`drop table if exists pipewright_run_uploads`.execute(db);
}
