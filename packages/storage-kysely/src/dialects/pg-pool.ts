import type { PostgresPool, PostgresPoolClient } from 'kysely';
import pg from 'pg';
import { translateCancel } from '../errors.js';
import { querySignal } from '../query-scope.js';

/**
 * The pool as Kysely sees it, minus `end`: closing is ours (Kysely ends a pool only if it was used).
 * A connection that dies while checked out (between a transaction's statements, say) emits
 * 'error' on its client, which the pool only listens for while the client is idle: without a
 * listener of our own, a database outage would crash the process. The query in flight fails
 * on its own; the pool discards the dead client when it is released.
 *
 * Each client is handed out behind a `scopedClient`: statements cancelled by the database
 * become typed errors, and a statement running in a query scope is cancelled when the scope's
 * signal aborts.
 */
export function borrowed(pool: pg.Pool): PostgresPool {
  const scoped = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  return {
    connect: async () => {
      const client = await pool.connect();
      let wrapped = scoped.get(client);
      if (!wrapped) {
        client.on('error', () => {});
        wrapped = scopedClient(client, pool);
        // Kysely keys its connections by client object: the same client, the same wrapper.
        scoped.set(client, wrapped);
      }
      return wrapped;
    },
    end: async () => {},
    options: pool.options,
  };
}

function scopedClient(client: pg.PoolClient, pool: pg.Pool): PostgresPoolClient {
  return {
    query: ((statement: string | pg.Submittable, parameters?: ReadonlyArray<unknown>) =>
      // A cursor (streaming) reads in steps, each short; only plain statements are watched.
      typeof statement === 'string'
        ? watched(client, pool, statement, parameters ?? [])
        : client.query(statement)) as unknown as PostgresPoolClient['query'],
    release: (destroy?: boolean) => client.release(destroy),
  };
}

/**
 * Runs one statement. In a query scope whose signal aborts while the statement runs, the
 * statement is cancelled on the server; the connection goes back to the pool only once the
 * cancel is through, so a late cancel can never hit the next statement on that connection
 * (a cancel reaching an idle backend does nothing).
 */
async function watched(
  client: pg.PoolClient,
  pool: pg.Pool,
  statement: string,
  parameters: ReadonlyArray<unknown>,
): Promise<pg.QueryResult> {
  const signal = querySignal();
  // Work that goes on after its caller left (the abort has fired) is no longer watched.
  if (!signal || signal.aborted) {
    try {
      return await client.query(statement, parameters as unknown[]);
    } catch (error) {
      throw translateCancel(error, false);
    }
  }
  let cancelling: Promise<void> | undefined;
  const abort = () => {
    cancelling = cancelBackend(pool, client);
  };
  signal.addEventListener('abort', abort, { once: true });
  try {
    return await client.query(statement, parameters as unknown[]);
  } catch (error) {
    throw translateCancel(error, cancelling !== undefined);
  } finally {
    signal.removeEventListener('abort', abort);
    await cancelling;
  }
}

/**
 * `pg_cancel_backend` of the client's backend, from a connection of its own: the pool may be
 * full of the very statements to cancel. Best effort: a failure leaves the statement to the
 * statement timeout.
 */
async function cancelBackend(pool: pg.Pool, client: pg.PoolClient): Promise<void> {
  const pid = (client as unknown as { processID?: number }).processID;
  if (!pid) return;
  // `password` is not enumerable in the pool's options (hidden from stack traces).
  const options = pool.options as pg.PoolConfig;
  const control = new pg.Client({ ...options, password: options.password, connectionTimeoutMillis: 5_000 });
  control.on('error', () => {});
  try {
    await control.connect();
    await control.query('select pg_cancel_backend($1)', [pid]);
  } catch {
    // best effort (see above)
  } finally {
    await control.end().catch(() => {});
  }
}
