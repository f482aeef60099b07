import type pg from 'pg';
import { cancelOnAbort } from '../pg/cancel.js';
import { checkout, isDataError, postgresTarget } from '../pg/client.js';
import { IDENTIFIER_PATTERN, quoteIdent, quoteTable, TABLE_PATTERN } from '../pg/identifiers.js';
import type { ConnectorContext, DestinationConnector, WriteResult } from '../types.js';

interface PostgresDestinationSettings {
  table: string;
  mode?: 'insert' | 'upsert';
  keyColumns?: string[];
}

interface Column {
  name: string;
  json: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Postgres accepts at most 65,535 parameters in one statement. */
const MAX_PARAMS = 65_535;

async function tableColumns(client: pg.Client, table: string): Promise<Column[]> {
  const { rows } = await client.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_attribute a
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      ORDER BY a.attnum`,
    [quoteTable(table)],
  );
  if (rows.length === 0) throw new Error(`table "${table}" does not exist (or has no columns).`);
  return rows.map((r) => ({ name: r.name, json: r.type === 'json' || r.type === 'jsonb' }));
}

/** A value as a query parameter: JSON columns get JSON text, other objects are left to pg. */
function param(value: unknown, column: Column): unknown {
  if (value === null || value === undefined) return null;
  if (column.json) return JSON.stringify(value);
  return value;
}

/**
 * Builds one multi-row INSERT (or upsert) for `rows`: columns a row lacks take their
 * DEFAULT, so rows of different shapes share one statement.
 */
export function buildInsert(
  table: string,
  columns: readonly Column[],
  rows: readonly Record<string, unknown>[],
  upsertKeys: readonly string[] | null,
): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const tuples: string[] = [];
  for (const row of rows) {
    const cells: string[] = [];
    for (const c of columns) {
      if (row[c.name] === undefined) cells.push('DEFAULT');
      else {
        values.push(param(row[c.name], c));
        cells.push(`$${values.length}`);
      }
    }
    tuples.push(`(${cells.join(',')})`);
  }
  let text = `INSERT INTO ${quoteTable(table)} (${columns.map((c) => quoteIdent(c.name)).join(',')}) VALUES ${tuples.join(',')}`;
  if (upsertKeys) {
    const updates = columns
      .filter((c) => !upsertKeys.includes(c.name))
      .map((c) => `${quoteIdent(c.name)} = EXCLUDED.${quoteIdent(c.name)}`);
    text += ` ON CONFLICT (${upsertKeys.map(quoteIdent).join(',')}) ${updates.length ? `DO UPDATE SET ${updates.join(', ')}` : 'DO NOTHING'}`;
  }
  return { text, values };
}

/** Writes batches into one table, by multi-row statements; rows with bad data are retried one by one. */
class PostgresWriter {
  private readonly columns: Column[];
  private warnedExtra = false;

  constructor(
    private readonly client: pg.Client,
    private readonly settings: PostgresDestinationSettings,
    columns: Column[],
    private readonly ctx: ConnectorContext,
  ) {
    this.columns = columns;
    const missing = (settings.keyColumns ?? []).filter((k) => !columns.some((c) => c.name === k));
    if (missing.length) throw new Error(`key column(s) ${missing.join(', ')} not in table "${settings.table}".`);
  }

  private get upsertKeys(): string[] | null {
    return this.settings.mode === 'upsert' ? (this.settings.keyColumns ?? []) : null;
  }

  async write(records: unknown[]): Promise<WriteResult> {
    const rows = records as Record<string, unknown>[];
    const failed: WriteResult['failed'] = [];
    let objects: number[] = [];
    rows.forEach((row, i) =>
      isObject(row) ? objects.push(i) : failed.push({ index: i, error: 'the record is not an object' }),
    );
    const used = this.usedColumns(objects.map((i) => rows[i]!));
    if (used.length === 0) {
      for (const index of objects)
        failed.push({ index, error: `no field matches a column of "${this.settings.table}"` });
      return { failed };
    }
    // An upsert may not touch a row twice in one statement: the last record of a key wins.
    if (this.upsertKeys) objects = this.lastPerKey(rows, objects);
    const indexes = objects;
    const perStatement = Math.max(1, Math.floor(MAX_PARAMS / used.length));
    for (let start = 0; start < indexes.length; start += perStatement) {
      const chunk = indexes.slice(start, start + perStatement);
      try {
        await this.insert(
          used,
          chunk.map((i) => rows[i]!),
        );
      } catch (e) {
        if (!isDataError(e)) throw e;
        // One bad row fails the whole statement: find it (them) row by row.
        for (const i of chunk) {
          try {
            await this.insert(used, [rows[i]!]);
          } catch (rowError) {
            if (!isDataError(rowError)) throw rowError;
            failed.push({ index: i, error: `insert failed: ${(rowError as Error).message}` });
          }
        }
      }
    }
    return { failed };
  }

  private insert(columns: Column[], rows: Record<string, unknown>[]): Promise<unknown> {
    const { text, values } = buildInsert(this.settings.table, columns, rows, this.upsertKeys);
    return this.client.query(text, values);
  }

  /** Table columns some record has; fields that are no column are ignored (logged once). */
  private usedColumns(rows: Record<string, unknown>[]): Column[] {
    const keys = new Set<string>();
    for (const row of rows) for (const k in row) keys.add(k);
    const used = this.columns.filter((c) => keys.has(c.name));
    if (!this.warnedExtra && used.length < keys.size) {
      this.warnedExtra = true;
      const extra = [...keys].filter((k) => !this.columns.some((c) => c.name === k));
      this.ctx.logger.warn(
        'Finalize',
        `fields not in table "${this.settings.table}" are ignored: ${extra.slice(0, 10).join(', ')}`,
      );
    }
    return used;
  }

  private lastPerKey(rows: Record<string, unknown>[], indexes: number[]): number[] {
    const keys = this.settings.keyColumns ?? [];
    const last = new Map<string, number>();
    for (const i of indexes) last.set(JSON.stringify(keys.map((k) => rows[i]![k] ?? null)), i);
    return [...last.values()].sort((a, b) => a - b);
  }
}

/** Inserts or upserts records into a table of the database of the workflow's `postgres` connection. */
export const postgresDestination: DestinationConnector = {
  name: 'postgres',
  description: 'Inserts or upserts (on key columns) records into a Postgres table, in batches.',
  connection: { kind: 'postgres', required: true },
  settingsSchema: {
    type: 'object',
    properties: {
      table: { type: 'string', pattern: TABLE_PATTERN },
      mode: { enum: ['insert', 'upsert'], default: 'insert' },
      keyColumns: {
        type: 'array',
        items: { type: 'string', pattern: IDENTIFIER_PATTERN },
        minItems: 1,
        uniqueItems: true,
      },
    },
    required: ['table'],
    additionalProperties: false,
  },
  check(settings) {
    return settings.mode === 'upsert' && !Array.isArray(settings.keyColumns)
      ? [{ field: 'keyColumns', message: 'An upsert needs the key columns of a unique constraint.', code: 'required' }]
      : [];
  },
  async open(raw, ctx) {
    const settings = raw as unknown as PostgresDestinationSettings;
    const { client, release } = await checkout(ctx.connection?.id ?? '', postgresTarget(ctx.connection), ctx.egress);
    // A write waiting on a lock must not hold a stopped run (cancel, timeout): it is cancelled on the server.
    const stopListening = cancelOnAbort(client, ctx.signal);
    try {
      const writer = new PostgresWriter(client, settings, await tableColumns(client, settings.table), ctx);
      let failed = false;
      return {
        write: (records) =>
          writer.write(records).catch((e: unknown) => {
            failed = true;
            throw e;
          }),
        // Each write is its own statement (no transaction is left open), so a connection
        // goes back to the pool after a run unless a write failed, or the run was stopped
        // (a cancel request still on its way must not reach the next run's statement).
        close: async () => {
          stopListening();
          release(failed || ctx.signal.aborted);
        },
      };
    } catch (e) {
      stopListening();
      release(true);
      throw e;
    }
  },
};
