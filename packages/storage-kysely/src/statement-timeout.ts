import { sql, type Kysely } from 'kysely';

/** The statement timeout of the storage's options, in whole milliseconds (0: none). */
export function statementTimeoutMs(options: { statementTimeoutMs?: number }): number {
  const ms = options.statementTimeoutMs ?? 0;
  return Number.isFinite(ms) && ms > 0 ? Math.floor(ms) : 0;
}

export const statementTimeoutSql = (ms: number): string => `set statement_timeout = ${Math.floor(ms)}`;

/**
 * Runs `work` on one connection of `db` with the statement timeout lifted, then puts it back
 * (`timeoutMs`; 0: nothing to lift, `work` gets `db` itself).
 */
export async function unbounded<T>(
  db: Kysely<any>,
  timeoutMs: number,
  work: (db: Kysely<any>) => Promise<T>,
): Promise<T> {
  if (timeoutMs <= 0) return work(db);
  return db.connection().execute(async (conn) => {
    await sql.raw('set statement_timeout = 0').execute(conn);
    try {
      return await work(conn);
    } finally {
      await sql.raw(statementTimeoutSql(timeoutMs)).execute(conn);
    }
  });
}
