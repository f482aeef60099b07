import type { UploadedFile } from '@pipewright/core';
import type pg from 'pg';

/** Bytes per stored part: what one row holds, and the most a worker reads at once. */
export const UPLOAD_PART_BYTES = 1024 * 1024;

/**
 * Files uploaded with a run, kept in Postgres until the run ends (any worker may execute it).
 * A file is a row (name, type) and its bytes in parts of `UPLOAD_PART_BYTES`: stored as they
 * are read from where the server received them, and read back part by part as the run parses
 * the file, so neither side holds a whole file, let alone a run's files, in memory.
 */
export class UploadStore {
  constructor(private readonly pool: pg.Pool) {}

  /** Stores a run's files (before its job is enqueued), file by file, in one transaction. */
  async save(runId: string, files: readonly UploadedFile[]): Promise<void> {
    if (!files.length) return;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      for (const [position, file] of files.entries()) {
        // `content` stays empty: the bytes are in the parts (rows written before parts existed held them here).
        await client.query(
          'INSERT INTO pipewright_run_uploads (run_id, position, name, mime_type, content) VALUES ($1, $2, $3, $4, $5)',
          [runId, position, file.name, file.mimeType ?? null, Buffer.alloc(0)],
        );
        let part = 0;
        for await (const bytes of partsOf(file.stream())) {
          await client.query(
            'INSERT INTO pipewright_run_upload_parts (run_id, position, part, content) VALUES ($1, $2, $3, $4)',
            [runId, position, part++, bytes],
          );
        }
      }
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  }

  /** A run's files in upload order (none: an empty list); their bytes are read when streamed. */
  async load(runId: string): Promise<UploadedFile[]> {
    const { rows } = await this.pool.query<{
      position: number;
      name: string;
      mime_type: string | null;
      inline: string;
      parts: string;
      size: string;
    }>(
      `SELECT u.position, u.name, u.mime_type, length(u.content) AS inline,
              (SELECT count(*) FROM pipewright_run_upload_parts p WHERE p.run_id = u.run_id AND p.position = u.position) AS parts,
              length(u.content) + coalesce((SELECT sum(length(p.content)) FROM pipewright_run_upload_parts p WHERE p.run_id = u.run_id AND p.position = u.position), 0) AS size
         FROM pipewright_run_uploads u WHERE u.run_id = $1 ORDER BY u.position`,
      [runId],
    );
    return rows.map((r) => ({
      name: r.name,
      size: Number(r.size),
      ...(r.mime_type ? { mimeType: r.mime_type } : {}),
      stream: () => this.read(runId, r.position, Number(r.inline) > 0, Number(r.parts)),
    }));
  }

  /** Forgets a run's files (once the run ended: a restarted run needs them again). */
  async remove(runId: string): Promise<void> {
    await this.pool.query('DELETE FROM pipewright_run_upload_parts WHERE run_id = $1', [runId]);
    await this.pool.query('DELETE FROM pipewright_run_uploads WHERE run_id = $1', [runId]);
  }

  /** One file's bytes, one part (one query) at a time. */
  private async *read(runId: string, position: number, inline: boolean, parts: number): AsyncGenerator<Uint8Array> {
    if (inline) {
      const { rows } = await this.pool.query<{ content: Buffer }>(
        'SELECT content FROM pipewright_run_uploads WHERE run_id = $1 AND position = $2',
        [runId, position],
      );
      if (rows[0]) yield rows[0].content;
    }
    const fetchPart = async (part: number): Promise<Buffer> => {
      const { rows } = await this.pool.query<{ content: Buffer }>(
        'SELECT content FROM pipewright_run_upload_parts WHERE run_id = $1 AND position = $2 AND part = $3',
        [runId, position, part],
      );
      if (!rows[0]) throw new Error(`part ${part} of uploaded file ${position} of run ${runId} is missing`);
      return rows[0].content;
    };
    // The next part is fetched while the run parses this one (two parts in memory at most). Its
    // failure is marked handled at once (it is thrown when awaited; unawaited if the reader stopped).
    const prefetch = (part: number) => {
      const p = fetchPart(part);
      p.catch(() => {});
      return p;
    };
    let next: Promise<Buffer> | null = parts > 0 ? prefetch(0) : null;
    for (let part = 0; part < parts; part++) {
      const current = await next!;
      next = part + 1 < parts ? prefetch(part + 1) : null;
      yield current;
    }
  }
}

/** Re-cuts a stream's chunks into parts of exactly `UPLOAD_PART_BYTES` (the last one shorter). */
async function* partsOf(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let length = 0;
  for await (const chunk of chunks) {
    let bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (length + bytes.length >= UPLOAD_PART_BYTES) {
      const take = UPLOAD_PART_BYTES - length;
      yield Buffer.concat([...pending, bytes.subarray(0, take)]);
      pending = [];
      length = 0;
      bytes = bytes.subarray(take);
    }
    if (bytes.length) {
      // A copy: the stream may reuse its chunk's memory.
      pending.push(Buffer.from(bytes));
      length += bytes.length;
    }
  }
  if (length) yield Buffer.concat(pending);
}
