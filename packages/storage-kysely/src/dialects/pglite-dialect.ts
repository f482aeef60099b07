import type { PGlite, Transaction as PgliteTransaction } from '@electric-sql/pglite';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
} from 'kysely';
import { pgliteSession } from './pglite-session.js';

export interface PgliteDialectConfig {
  /** The instance, or a function that opens it on first use. */
  pglite: PGlite | (() => Promise<PGlite>);
  /** Schema this dialect's statements run in (set as the session's search_path); default: `public`. */
  schema?: string;
  /** Close the instance when the Kysely instance is destroyed (default true). */
  closeOnDestroy?: boolean;
}

/**
 * Kysely over PGlite (Postgres compiled to WASM, one session). Postgres SQL, Postgres
 * introspection; the driver hands out the one connection exclusively, and a
 * transaction runs inside PGlite's own `transaction()`, so nothing else using the
 * instance can interleave with it.
 */
export class PgliteDialect implements Dialect {
  constructor(private readonly config: PgliteDialectConfig) {}

  createDriver(): Driver {
    return new PgliteDriver(this.config);
  }
  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return new PgliteAdapter();
  }
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}

class PgliteAdapter extends PostgresAdapter {
  override get supportsMultipleConnections(): boolean {
    return false;
  }
  // Migrations run in one transaction, which holds the only session: no other lock needed.
  override async acquireMigrationLock(): Promise<void> {}
  override async releaseMigrationLock(): Promise<void> {}
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

class PgliteDriver implements Driver {
  private pglite?: PGlite;
  private connection?: PgliteConnection;
  private release?: () => void;

  constructor(private readonly config: PgliteDialectConfig) {}

  async init(): Promise<void> {
    const { pglite } = this.config;
    this.pglite = typeof pglite === 'function' ? await pglite() : pglite;
    await this.pglite.waitReady;
    this.connection = new PgliteConnection(this.pglite);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const session = pgliteSession(this.pglite!);
    this.release = await session.acquire();
    try {
      const wanted = this.config.schema ?? null;
      if (session.searchPath !== wanted) {
        await this.pglite!.query(wanted === null ? 'reset search_path' : `set search_path to ${quoteIdent(wanted)}`);
        session.searchPath = wanted;
      }
      return this.connection!;
    } catch (error) {
      this.releaseSession();
      throw error;
    }
  }

  async releaseConnection(): Promise<void> {
    this.releaseSession();
  }

  // Isolation settings are moot: one session, and a transaction holds it exclusively.
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PgliteConnection).begin();
  }
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PgliteConnection).end(true);
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PgliteConnection).end(false);
  }
  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteIdent(name)}`));
  }
  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to savepoint ${quoteIdent(name)}`));
  }
  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release savepoint ${quoteIdent(name)}`));
  }

  async destroy(): Promise<void> {
    if ((this.config.closeOnDestroy ?? true) && this.pglite && !this.pglite.closed) await this.pglite.close();
  }

  private releaseSession(): void {
    const release = this.release;
    this.release = undefined;
    release?.();
  }
}

const WRITE_COMMANDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

/**
 * Dates as ISO text. PGlite's serializer checks `instanceof Date`, which fails for a
 * Date made in another realm (a test runner's vm context, a worker); the tag check does not.
 */
const isDate = (value: unknown): value is Date => Object.prototype.toString.call(value) === '[object Date]';
const parameter = (value: unknown): unknown => (isDate(value) ? value.toISOString() : value);

class PgliteConnection implements DatabaseConnection {
  private tx: PgliteTransaction | null = null;
  private finish: ((commit: boolean) => void) | null = null;
  private closed: Promise<void> | null = null;

  constructor(private readonly pglite: PGlite) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const result = await (this.tx ?? this.pglite).query<R>(query.sql, query.parameters.map(parameter), {
      rowMode: 'object',
    });
    return {
      rows: result.rows,
      numAffectedRows:
        result.command && WRITE_COMMANDS.has(result.command) ? BigInt(result.affectedRows ?? 0) : undefined,
    };
  }

  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('PGlite does not stream results; read in pages.');
  }

  /** Opens a PGlite transaction that stays open until `end` (commit or rollback). */
  async begin(): Promise<void> {
    let started!: (tx: PgliteTransaction) => void;
    const ready = new Promise<PgliteTransaction>((resolve) => (started = resolve));
    const decided = new Promise<boolean>((resolve) => (this.finish = resolve));
    this.closed = this.pglite.transaction(async (tx) => {
      started(tx);
      if (!(await decided)) await tx.rollback();
    });
    // Settles only if PGlite's transaction ends without ever starting ours (BEGIN failed).
    const failedToBegin = this.closed.then(() => Promise.reject(new Error('The transaction ended before it began.')));
    this.tx = await Promise.race([ready, failedToBegin]);
  }

  /** Commits (or rolls back) the open transaction; a failed COMMIT rejects. */
  async end(commit: boolean): Promise<void> {
    const closed = this.closed;
    this.finish?.(commit);
    this.tx = null;
    this.finish = null;
    this.closed = null;
    if (commit) await closed;
    else await closed?.catch(() => undefined);
  }
}
