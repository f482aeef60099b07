import type { UploadedFile } from '@pipewright/core';
import type pg from 'pg';

/** Files uploaded with a run, kept in Postgres until the run ends (any worker may execute it). */
export class UploadStore {
  constructor(private readonly pool: pg.Pool) {}

  /** Stores a run's files (before its job is enqueued). */
  async save(runId: string, files: readonly UploadedFile[]): Promise<void> {
    if (!files.length) return;
    const values: unknown[] = [];
    const rows = files.map((f, i) => {
      values.push(runId, i, f.name, f.mimeType ?? null, Buffer.from(f.content));
      const b = i * 5;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5})`;
    });
    await this.pool.query(`INSERT INTO pipewright_run_uploads (run_id, position, name, mime_type, content) VALUES ${rows.join(', ')}`, values);
  }

  /** A run's files in upload order (none: an empty list). */
  async load(runId: string): Promise<UploadedFile[]> {
    const { rows } = await this.pool.query<{ name: string; mime_type: string | null; content: Buffer }>(
      'SELECT name, mime_type, content FROM pipewright_run_uploads WHERE run_id = $1 ORDER BY position',
      [runId],
    );
    return rows.map((r) => ({ name: r.name, content: new Uint8Array(r.content), ...(r.mime_type ? { mimeType: r.mime_type } : {}) }));
  }

  /** Forgets a run's files (once the run ended: a restarted run needs them again). */
  async remove(runId: string): Promise<void> {
    await this.pool.query('DELETE FROM pipewright_run_uploads WHERE run_id = $1', [runId]);
  }
}
