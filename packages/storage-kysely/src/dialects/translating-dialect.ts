import type { DatabaseConnection, Dialect, Driver } from 'kysely';
import { translateDatabaseError } from '../database-errors.js';

const translated = async <T>(operation: () => Promise<T>): Promise<T> => {
  try {
    return await operation();
  } catch (error) {
    throw translateDatabaseError(error);
  }
};

/**
 * The dialect with every database failure translated where it happens (see
 * `translateDatabaseError`): statements, streams, connecting, BEGIN and COMMIT. Whatever the
 * driver (pg, PGlite), nothing above storage sees a SQLSTATE.
 */
export function translatingDialect(dialect: Dialect): Dialect {
  return {
    createDriver: () => new TranslatingDriver(dialect.createDriver()),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}

/** Hands out connections behind a translating front; the driver itself only ever sees its own. */
class TranslatingDriver implements Driver {
  private readonly own = new WeakMap<DatabaseConnection, DatabaseConnection>();

  constructor(private readonly inner: Driver) {}

  init(...args: Parameters<Driver['init']>) {
    return translated(() => this.inner.init(...args));
  }

  async acquireConnection(...args: Parameters<Driver['acquireConnection']>): Promise<DatabaseConnection> {
    const connection = await translated(() => this.inner.acquireConnection(...args));
    const front: DatabaseConnection = {
      executeQuery: (query, options) => translated(() => connection.executeQuery(query, options)),
      streamQuery: (query, chunkSize, options) => translatedStream(connection.streamQuery(query, chunkSize, options)),
    };
    if (connection.cancelQuery) front.cancelQuery = connection.cancelQuery.bind(connection);
    if (connection.killSession) front.killSession = connection.killSession.bind(connection);
    if (connection.collectSessionInfo) front.collectSessionInfo = connection.collectSessionInfo.bind(connection);
    this.own.set(front, connection);
    return front;
  }

  private unwrap(connection: DatabaseConnection): DatabaseConnection {
    return this.own.get(connection) ?? connection;
  }

  beginTransaction(connection: DatabaseConnection, settings: Parameters<Driver['beginTransaction']>[1]) {
    return translated(() => this.inner.beginTransaction(this.unwrap(connection), settings));
  }
  commitTransaction(connection: DatabaseConnection) {
    return translated(() => this.inner.commitTransaction(this.unwrap(connection)));
  }
  rollbackTransaction(connection: DatabaseConnection) {
    return translated(() => this.inner.rollbackTransaction(this.unwrap(connection)));
  }
  savepoint(connection: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['savepoint']>>[2]) {
    if (!this.inner.savepoint) throw new Error('The driver has no savepoints.');
    return translated(() => this.inner.savepoint!(this.unwrap(connection), name, compile));
  }
  rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: Parameters<NonNullable<Driver['rollbackToSavepoint']>>[2],
  ) {
    if (!this.inner.rollbackToSavepoint) throw new Error('The driver has no savepoints.');
    return translated(() => this.inner.rollbackToSavepoint!(this.unwrap(connection), name, compile));
  }
  releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: Parameters<NonNullable<Driver['releaseSavepoint']>>[2],
  ) {
    if (!this.inner.releaseSavepoint) throw new Error('The driver has no savepoints.');
    return translated(() => this.inner.releaseSavepoint!(this.unwrap(connection), name, compile));
  }
  releaseConnection(connection: DatabaseConnection, ...rest: [Parameters<Driver['releaseConnection']>[1]?]) {
    return this.inner.releaseConnection(this.unwrap(connection), ...rest);
  }
  destroy(...args: Parameters<Driver['destroy']>) {
    return this.inner.destroy(...args);
  }
}

async function* translatedStream<R>(stream: AsyncIterableIterator<R>): AsyncIterableIterator<R> {
  try {
    yield* stream;
  } catch (error) {
    throw translateDatabaseError(error);
  }
}
