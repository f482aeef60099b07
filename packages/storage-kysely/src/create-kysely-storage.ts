import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import type { Storage } from '@pipewright/core';
import { CompiledQuery, Kysely, PostgresDialect, type Dialect, type KyselyConfig, type PostgresPool } from 'kysely';
import pg from 'pg';
import { PgliteDialect } from './dialects/pglite-dialect.js';
import { kyselyStorage } from './kysely-storage.js';
import { migrateToLatest } from './migrate.js';
import type { Database } from './schema.js';

/**
 * Where the data lives: exactly one of `url`, `pool`, `dataDir`, `inMemory`, `pglite`.
 * What this function creates (pool, PGlite instance) `close()` releases; what you pass
 * in (`pool`, `pglite`) stays yours to close.
 */
export interface KyselyStorageOptions {
  /** Postgres connection string (e.g. DATABASE_URL); a pg Pool is created for it. */
  url?: string;
  /** A pg Pool you own. */
  pool?: pg.Pool;
  /** Embedded PGlite persisted in this folder (created when missing). */
  dataDir?: string;
  /** Embedded PGlite in memory (tests, demos). */
  inMemory?: boolean;
  /** A PGlite instance you own (several storages may share one, each in its own `schema`). */
  pglite?: PGlite;
  /** Postgres schema for every table (default `public`); `migrate()` creates it. */
  schema?: string;
  /** Connections of the pool created for `url` (default 10). */
  poolSize?: number;
  /** Kysely's query log hook (query text, parameters, duration), e.g. for slow-query logging. */
  log?: KyselyConfig['log'];
}

export interface KyselyStorage {
  /** The Storage port for core. */
  storage: Storage;
  /** The typed Kysely instance (for the migration CLI, tests and diagnostics). */
  db: Kysely<Database>;
  driver: 'postgres' | 'pglite';
  /** The pg Pool in use (Postgres), e.g. for another package's queries or LISTEN; closed by `close()` only if created here. */
  pool: pg.Pool | null;
  /**
   * The PGlite instance in use (PGlite). PGlite is one session in one process: other
   * packages needing the same database (the scheduler) must use this instance, and stop
   * before `close()` closes it (when created here).
   */
  pglite: PGlite | null;
  /** Applies pending migrations (safe when several processes do it at once). */
  migrate(): Promise<void>;
  /** Releases connections (same as `storage.close()`); idempotent. */
  close(): Promise<void>;
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * The pool as Kysely sees it, minus `end`: closing is ours (Kysely ends a pool only if it was used).
 * A connection that dies while checked out (between a transaction's statements, say) emits
 * 'error' on its client, which the pool only listens for while the client is idle: without a
 * listener of our own, a database outage would crash the process. The query in flight fails
 * on its own; the pool discards the dead client when it is released.
 */
function borrowed(pool: pg.Pool): PostgresPool {
  const guarded = new WeakSet<pg.PoolClient>();
  return {
    connect: async () => {
      const client = await pool.connect();
      if (!guarded.has(client)) {
        guarded.add(client);
        client.on('error', () => {});
      }
      return client;
    },
    end: async () => {},
    options: pool.options,
  };
}

function postgresDialect(pool: pg.Pool, schema: string | undefined): Dialect {
  return new PostgresDialect({
    pool: borrowed(pool),
    onCreateConnection: schema
      ? async (connection) => {
          await connection.executeQuery(CompiledQuery.raw(`set search_path to ${quoteIdent(schema)}`));
        }
      : undefined,
  });
}

function createPool(options: KyselyStorageOptions): pg.Pool {
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
  // An idle client dying (server restart, dropped test database) must not crash the
  // process; the pool replaces it and the next query reports any real outage.
  pool.on('error', () => {});
  return pool;
}

async function openPglite(options: KyselyStorageOptions): Promise<PGlite> {
  if (options.dataDir) {
    await mkdir(options.dataDir, { recursive: true });
    return PGlite.create({ dataDir: options.dataDir });
  }
  return PGlite.create();
}

/**
 * Opens the Kysely storage: Postgres through `pg` (url or pool) or embedded PGlite
 * (data folder, memory, or an instance). Call `migrate()` before first use.
 */
export async function createKyselyStorage(options: KyselyStorageOptions): Promise<KyselyStorage> {
  const given = (['url', 'pool', 'dataDir', 'inMemory', 'pglite'] as const).filter((k) => options[k]);
  if (given.length !== 1) throw new Error(`Give exactly one of url, pool, dataDir, inMemory, pglite (got ${given.join(', ') || 'none'}).`);
  let dialect: Dialect;
  let pool: pg.Pool | null = null;
  let pglite: PGlite | null = null;
  if (options.url || options.pool) {
    pool = options.pool ?? createPool(options);
    dialect = postgresDialect(pool, options.schema);
  } else {
    pglite = options.pglite ?? (await openPglite(options));
    dialect = new PgliteDialect({ pglite, schema: options.schema, closeOnDestroy: false });
  }
  const db = new Kysely<Database>({ dialect, log: options.log });
  const owned = { pool: options.pool ? null : pool, pglite: options.pglite ? null : pglite };
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await db.destroy();
      await owned.pool?.end();
      if (owned.pglite && !owned.pglite.closed) await owned.pglite.close();
    })());
  return {
    storage: kyselyStorage(db, close),
    db,
    driver: pool ? 'postgres' : 'pglite',
    pool,
    pglite,
    migrate: async () => {
      await migrateToLatest(db, { schema: options.schema });
    },
    close,
  };
}
