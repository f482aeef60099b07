import pg from 'pg';

// Dates stay text so no precision is lost (Postgres keeps microseconds, JS Dates do not)
// and records stay plain JSON; the session runs in UTC so the text is ISO 8601 with an offset.
const TIMESTAMPTZ = 1184;
const TIMESTAMP = 1114;
const DATE = 1082;
const INT8 = 20;

/** `2026-01-02 03:04:05.123456+00` → `2026-01-02T03:04:05.123456+00:00`. */
export function isoTimestamp(text: string): string {
  if (!/^\d{4}-\d\d-\d\d /.test(text)) return text; // infinity, BC dates
  const iso = text.replace(' ', 'T');
  return /[+-]\d\d$/.test(iso) ? `${iso}:00` : iso;
}

/** int8 as a number when it is exact, else the digits as a string. */
export function int8(text: string): number | string {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === TIMESTAMPTZ || oid === TIMESTAMP) return isoTimestamp;
    if (oid === DATE) return (text: string) => text;
    if (oid === INT8) return int8;
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/** A connection to the database a connector names (never the application's own). */
export async function connect(connectionString: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString, types, connectionTimeoutMillis: 10_000, application_name: 'pipewright-engine' });
  // A dropped connection emits 'error'; without a listener it would crash the process.
  client.on('error', () => {});
  await client.connect();
  await client.query(SESSION);
  return client;
}

const SESSION = "SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, MDY'";
const pools = new Map<string, pg.Pool>();

/**
 * A connection from a pool kept per connection string: runs writing to the same database
 * reuse connections instead of opening one each (a connect, a startup and a SET per run).
 * Idle connections close after 10 s and never keep the process alive. `release(true)`
 * discards the connection (after an error it may be in any state).
 */
export async function checkout(connectionString: string): Promise<{ client: pg.PoolClient; release(discard?: boolean): void }> {
  let pool = pools.get(connectionString);
  if (!pool) {
    pool = new pg.Pool({
      connectionString,
      types,
      max: 8,
      idleTimeoutMillis: 10_000,
      allowExitOnIdle: true,
      connectionTimeoutMillis: 10_000,
      application_name: 'pipewright-engine',
    });
    pool.on('connect', (client) => {
      // The pool listens for 'error' only while a connection is idle; one dropping while
      // checked out would otherwise crash the process (the query in flight fails anyway).
      client.on('error', () => {});
      // Queued ahead of the first checkout's queries on the new connection.
      void client.query(SESSION).catch(() => {});
    });
    // An idle connection that drops emits 'error'; the pool removes it.
    pool.on('error', () => {});
    pools.set(connectionString, pool);
  }
  const client = await pool.connect();
  let released = false;
  return {
    client,
    release(discard = false) {
      if (released) return;
      released = true;
      client.release(discard);
    },
  };
}

/** SQLSTATE classes that blame the data of a row (bad value, constraint), not the connection. */
export function isDataError(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}
