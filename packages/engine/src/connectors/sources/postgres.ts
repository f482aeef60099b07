import type pg from 'pg';
import { cancelOnAbort } from '../pg/cancel.js';
import { connect, postgresTarget } from '../pg/client.js';
import { IDENTIFIER_PATTERN, quoteIdent, quoteTable, TABLE_PATTERN } from '../pg/identifiers.js';
import type { RecordBatch, RecordSourceConnector, RecordSourceContext } from '../types.js';

interface PostgresSourceSettings {
  table?: string;
  query?: string;
  updatedAtColumn?: string;
  batchSize?: number;
}

/**
 * The SELECT a run reads: the table or the query, and with an update-time column,
 * ordered by it and (incremental runs) restricted to rows past the cursor.
 */
export function buildSourceQuery(
  settings: PostgresSourceSettings,
  column: string | null,
  after: string | null,
): { sql: string; params: unknown[] } {
  const inner = settings.table
    ? `SELECT * FROM ${quoteTable(settings.table)}`
    : settings.query!.trim().replace(/;\s*$/, '');
  if (!column) return { sql: `SELECT * FROM (${inner}) AS source_rows`, params: [] };
  const col = `source_rows.${quoteIdent(column)}`;
  return after === null
    ? { sql: `SELECT * FROM (${inner}) AS source_rows ORDER BY ${col}`, params: [] }
    : { sql: `SELECT * FROM (${inner}) AS source_rows WHERE ${col} > $1 ORDER BY ${col}`, params: [after] };
}

/**
 * Tracks the incremental cursor over rows read in `column` order. A batch's cursor is
 * the largest value whose rows have all been read: rows sharing the batch's last value
 * may go on in the next batch, so that value is complete only once a larger one (or the
 * end) is seen. A run that fails midway thus re-reads at most one value's rows.
 */
export class CursorTracker {
  private last: string | null = null;
  private complete: string | null = null;

  constructor(private readonly column: string) {}

  /** The cursor after `rows`, or undefined when it did not move. */
  advance(rows: readonly Record<string, unknown>[]): string | undefined {
    const before = this.complete;
    for (const row of rows) {
      if (!(this.column in row))
        throw new Error(`The rows read have no column "${this.column}" (the update-time column).`);
      const v = row[this.column];
      if (v === null || v === undefined) continue; // NULLs sort last and never move the cursor
      const value = String(v);
      if (this.last !== null && value !== this.last) this.complete = this.last;
      this.last = value;
    }
    return this.complete !== before && this.complete !== null ? this.complete : undefined;
  }

  /** At the end of the rows: the last value is complete too. */
  finish(): string | undefined {
    if (this.last === null || this.last === this.complete) return undefined;
    this.complete = this.last;
    return this.last;
  }
}

async function* readRows(
  client: pg.Client,
  settings: PostgresSourceSettings,
  ctx: RecordSourceContext,
): AsyncGenerator<RecordBatch> {
  const column = ctx.incremental.column ?? settings.updatedAtColumn ?? null;
  const { sql, params } = buildSourceQuery(settings, column, column ? ctx.incremental.after : null);
  const size = settings.batchSize ?? ctx.batchSize;
  const tracker = column ? new CursorTracker(column) : null;
  // A server-side cursor in a read-only snapshot: rows arrive `size` at a time, never all at once.
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  // The extended protocol runs exactly one statement: a query setting cannot smuggle in
  // a COMMIT and a write after it.
  await client.query({
    text: `DECLARE pipewright_source NO SCROLL CURSOR FOR ${sql}`,
    values: params,
    queryMode: 'extended',
  } as pg.QueryConfig);
  for (;;) {
    if (ctx.signal.aborted) return;
    const { rows } = await client.query<Record<string, unknown>>(`FETCH ${size} FROM pipewright_source`);
    const done = rows.length < size;
    let cursor = tracker?.advance(rows);
    if (done) cursor = tracker?.finish() ?? cursor;
    if (rows.length > 0 || cursor !== undefined)
      yield cursor === undefined ? { records: rows } : { records: rows, cursor };
    if (done) break;
  }
  await client.query('COMMIT');
}

/** Rows of a table or query in the database of the workflow's `postgres` connection. */
export const postgresSource: RecordSourceConnector = {
  kind: 'records',
  name: 'postgres',
  description: 'Rows of a table or query in a Postgres database; incremental by an update-time column.',
  connection: { kind: 'postgres', required: true },
  settingsSchema: {
    type: 'object',
    properties: {
      table: { type: 'string', pattern: TABLE_PATTERN, description: 'Table (or schema.table) to read.' },
      query: { type: 'string', minLength: 1, description: 'SELECT to read instead of a table.' },
      updatedAtColumn: {
        type: 'string',
        pattern: IDENTIFIER_PATTERN,
        description: 'Update-time column when the pipeline has none.',
      },
      batchSize: { type: 'integer', minimum: 1, maximum: 10000 },
    },
    additionalProperties: false,
  },
  check(settings) {
    const hasTable = typeof settings.table === 'string';
    const hasQuery = typeof settings.query === 'string';
    return hasTable === hasQuery
      ? [{ field: 'table', message: 'Give exactly one of table and query.', code: 'invalid' }]
      : [];
  },
  async *read(settings, ctx) {
    const client = await connect(postgresTarget(ctx.connection), ctx.egress);
    // A run stopped (cancel, timeout) must not wait for a long statement: it is cancelled on the server.
    const stopListening = cancelOnAbort(client, ctx.signal);
    try {
      yield* readRows(client, settings as unknown as PostgresSourceSettings, ctx);
    } finally {
      stopListening();
      await client.end().catch(() => {});
    }
  },
};
