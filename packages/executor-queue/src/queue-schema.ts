import type pg from 'pg';

/**
 * Our own tables next to pg-boss's schema: files uploaded with a run, as rows and their bytes
 * in parts (a worker on another machine cannot read this process's disk), and the workers'
 * liveness rows.
 * Idempotent, so every process may run it at start.
 */
export async function migrateQueueSchema(pool: pg.Pool): Promise<void> {
  await pool.query(`
    CREATE TABLE IF NOT EXISTS pipewright_run_uploads (
      run_id text NOT NULL,
      position integer NOT NULL,
      name text NOT NULL,
      mime_type text,
      content bytea NOT NULL,
      PRIMARY KEY (run_id, position)
    );
    CREATE TABLE IF NOT EXISTS pipewright_run_upload_parts (
      run_id text NOT NULL,
      position integer NOT NULL,
      part integer NOT NULL,
      content bytea NOT NULL,
      PRIMARY KEY (run_id, position, part)
    );
    -- Transient bytes, read back once or twice: not worth compressing.
    ALTER TABLE pipewright_run_upload_parts ALTER COLUMN content SET STORAGE EXTERNAL;
    CREATE TABLE IF NOT EXISTS pipewright_workers (
      id text PRIMARY KEY,
      host text NOT NULL,
      pid integer NOT NULL,
      concurrency integer NOT NULL,
      running integer NOT NULL DEFAULT 0,
      started_at timestamptz NOT NULL,
      last_heartbeat_at timestamptz NOT NULL,
      stopped_at timestamptz
    );`);
}
