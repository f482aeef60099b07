import { createHash } from 'node:crypto';
import type { ResolvedConnection } from '@pipewright/core';
import pg from 'pg';
import { EgressDeniedError, type EgressPolicy } from '../../egress/egress-policy.js';

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

/** A postgres connection's settings (as the `postgres` connection kind normalizes them). */
export interface PostgresTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  ssl?: 'disable' | 'require' | 'verify-full';
}

/** The target of a resolved `postgres` connection. */
export function postgresTarget(connection: ResolvedConnection | null): PostgresTarget {
  if (!connection) throw new Error('no postgres connection is given.');
  const s = connection.settings;
  return {
    host: String(s.host ?? ''),
    port: Number(s.port ?? 5432),
    database: String(s.database ?? ''),
    user: String(s.user ?? ''),
    password: typeof s.password === 'string' ? s.password : undefined,
    ssl: (s.ssl as PostgresTarget['ssl']) ?? 'disable',
  };
}

/**
 * Client options connecting to the address the egress policy checked (never a second DNS
 * lookup); TLS still verifies the certificate against the host name given.
 */
async function pinnedConfig(target: PostgresTarget, egress: EgressPolicy): Promise<pg.ClientConfig> {
  const socket = target.host.startsWith('/');
  if (socket && !egress.allowsLoopback(target.port))
    throw new EgressDeniedError(
      target.host,
      null,
      'a unix socket of this host, refused unless loopback addresses are allowed (PIPEWRIGHT_EGRESS_ALLOW=loopback)',
    );
  const { address } = socket
    ? await egress.checkSocket(target.host, target.port, { database: target.database })
    : await egress.check(target.host, target.port, { database: target.database });
  const ssl =
    target.ssl === 'verify-full'
      ? { rejectUnauthorized: true, servername: target.host }
      : target.ssl === 'require'
        ? { rejectUnauthorized: false, servername: target.host }
        : false;
  return {
    host: address,
    port: target.port,
    database: target.database,
    user: target.user,
    password: target.password,
    ssl,
    types,
    connectionTimeoutMillis: 10_000,
    application_name: 'pipewright-engine',
  };
}

/** A connection to the database a connector names (never the application's own), at the checked address. */
export async function connect(
  target: PostgresTarget,
  egress: EgressPolicy,
  options: { timeoutMs?: number } = {},
): Promise<pg.Client> {
  const config = await pinnedConfig(target, egress);
  const client = new pg.Client({
    ...config,
    connectionTimeoutMillis: options.timeoutMs ?? config.connectionTimeoutMillis,
  });
  // A dropped connection emits 'error'; without a listener it would crash the process.
  client.on('error', () => {});
  await client.connect();
  await client.query(SESSION);
  return client;
}

const SESSION = "SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, MDY'";
const pools = new Map<string, { key: string; pool: pg.Pool }>();

/**
 * A connection from a pool kept per connection (its id and settings, and the address it was
 * checked at): runs writing to the same database reuse connections instead of opening one each
 * (a connect, a startup and a SET per run). A changed connection (or a new address) gets a new
 * pool and the old one is closed. Idle connections close after 10 s and never keep the process
 * alive. `release(true)` discards the connection (after an error it may be in any state).
 */
export async function checkout(
  connectionId: string,
  target: PostgresTarget,
  egress: EgressPolicy,
): Promise<{ client: pg.PoolClient; release(discard?: boolean): void }> {
  // Checked on every checkout: a policy change or a new DNS answer applies to the next run.
  const config = await pinnedConfig(target, egress);
  const key = createHash('sha256')
    .update(JSON.stringify([target, config.host]))
    .digest('hex');
  let entry = pools.get(connectionId);
  if (entry && entry.key !== key) {
    void entry.pool.end().catch(() => {});
    entry = undefined;
  }
  if (!entry) {
    const pool = new pg.Pool({ ...config, max: 8, idleTimeoutMillis: 10_000, allowExitOnIdle: true });
    pool.on('connect', (client) => {
      // The pool listens for 'error' only while a connection is idle; one dropping while
      // checked out would otherwise crash the process (the query in flight fails anyway).
      client.on('error', () => {});
      // Queued ahead of the first checkout's queries on the new connection.
      void client.query(SESSION).catch(() => {});
    });
    // An idle connection that drops emits 'error'; the pool removes it.
    pool.on('error', () => {});
    entry = { key, pool };
    pools.set(connectionId, entry);
  }
  const client = await entry.pool.connect();
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

/** Closes every pooled destination connection (shutdown, tests); pools are made again on demand. */
export async function endPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((e) => e.pool.end().catch(() => {})));
}

/** SQLSTATE classes that blame the data of a row (bad value, constraint), not the connection. */
export function isDataError(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}
