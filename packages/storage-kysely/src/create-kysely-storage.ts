import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import type { Storage } from '@pipewright/core';
import { CompiledQuery, Kysely, PostgresDialect, type Dialect, type KyselyConfig } from 'kysely';
import pg from 'pg';
import { lockDataFolder } from './dialects/pglite-data-lock.js';
import { PgliteDialect } from './dialects/pglite-dialect.js';
import { borrowed } from './dialects/pg-pool.js';
import { PgliteMaintenance } from './dialects/pglite-maintenance.js';
import { translatingDialect } from './dialects/translating-dialect.js';
import { kyselyStorage } from './kysely-storage.js';
import { migrateToLatest } from './migrate.js';
import { statementTimeoutMs, statementTimeoutSql, unbounded } from './statement-timeout.js';
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
  /**
   * PGlite has no autovacuum: every this many ms the tables that changed enough are vacuumed
   * or analyzed, with autovacuum's thresholds (default 60 s; 0: never). Postgres: ignored.
   */
  maintenanceIntervalMs?: number;
  /** Failures of background work (PGlite maintenance). */
  onError?: (error: unknown) => void;
  /**
   * Postgres cancels any statement of this storage's connections that runs longer (SQLSTATE
   * 57014, thrown as UnavailableError); 0 or unset: no limit. `migrate()` runs without it.
   * PGlite: ignored (its WebAssembly build has no timer to enforce it).
   */
  statementTimeoutMs?: number;
  /**
   * At most this many list queries of one organization run at once for requests (work in a
   * query scope, see `withQueryScope`); more wait their turn. 0 or unset: no limit.
   */
  listsPerOrganization?: number;
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

function postgresDialect(pool: pg.Pool, schema: string | undefined, statementTimeoutMs: number): Dialect {
  return new PostgresDialect({
    pool: borrowed(pool),
    onCreateConnection: async (connection) => {
      if (schema) await connection.executeQuery(CompiledQuery.raw(`set search_path to ${quoteIdent(schema)}`));
      if (statementTimeoutMs > 0)
        await connection.executeQuery(CompiledQuery.raw(statementTimeoutSql(statementTimeoutMs)));
    },
  });
}

function createPool(options: KyselyStorageOptions): pg.Pool {
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
  // An idle client dying (server restart, dropped test database) must not crash the
  // process; the pool replaces it and the next query reports any real outage.
  pool.on('error', () => {});
  return pool;
}

/** Opens PGlite (in `dataDir`, locked against other processes, or in memory); `unlock` releases the folder. */
async function openPglite(options: KyselyStorageOptions): Promise<{ pglite: PGlite; unlock: () => void }> {
  if (!options.dataDir) return { pglite: await PGlite.create(), unlock: () => {} };
  await mkdir(options.dataDir, { recursive: true });
  const unlock = lockDataFolder(options.dataDir);
  try {
    return { pglite: await PGlite.create({ dataDir: options.dataDir }), unlock };
  } catch (e) {
    unlock();
    throw e;
  }
}

/**
 * Opens the Kysely storage: Postgres through `pg` (url or pool) or embedded PGlite
 * (data folder, memory, or an instance). Call `migrate()` before first use.
 */
export async function createKyselyStorage(options: KyselyStorageOptions): Promise<KyselyStorage> {
  const given = (['url', 'pool', 'dataDir', 'inMemory', 'pglite'] as const).filter((k) => options[k]);
  if (given.length !== 1)
    throw new Error(`Give exactly one of url, pool, dataDir, inMemory, pglite (got ${given.join(', ') || 'none'}).`);
  let dialect: Dialect;
  let pool: pg.Pool | null = null;
  let pglite: PGlite | null = null;
  let unlock = () => {};
  if (options.url || options.pool) {
    pool = options.pool ?? createPool(options);
    dialect = postgresDialect(pool, options.schema, statementTimeoutMs(options));
  } else if (options.pglite) {
    pglite = options.pglite;
    dialect = new PgliteDialect({ pglite, schema: options.schema, closeOnDestroy: false });
  } else {
    ({ pglite, unlock } = await openPglite(options));
    dialect = new PgliteDialect({ pglite, schema: options.schema, closeOnDestroy: false });
  }
  // Storage owns the database's failure modes: connection loss and bad data leave it as core errors.
  const db = new Kysely<Database>({ dialect: translatingDialect(dialect), log: options.log });
  const owned = { pool: options.pool ? null : pool, pglite: options.pglite ? null : pglite };
  const maintenance = pglite ? new PgliteMaintenance(db, options.schema ?? 'public', options.onError) : null;
  maintenance?.start(options.maintenanceIntervalMs ?? 60_000);
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await maintenance?.stop();
      await db.destroy();
      await owned.pool?.end();
      if (owned.pglite && !owned.pglite.closed) await owned.pglite.close();
      unlock();
    })());
  return {
    storage: kyselyStorage(db, close, { listsPerOrganization: options.listsPerOrganization }),
    db,
    driver: pool ? 'postgres' : 'pglite',
    pool,
    pglite,
    migrate: async () => {
      // A migration may rightly take long (an index on a big table, a lock held by another process's migration).
      await unbounded(db, pool ? statementTimeoutMs(options) : 0, (conn) =>
        migrateToLatest(conn, { schema: options.schema }),
      );
      // The planner's estimates are still those of an empty database (PGlite never analyzes by itself).
      await maintenance?.analyzeAll();
    },
    close,
  };
}
