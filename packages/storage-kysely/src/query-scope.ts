import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The caller's interest in the answers of the statements it starts. Whoever serves a request
 * (the HTTP server) runs its work inside `withQueryScope` with a signal that aborts when nobody
 * waits for the answer any more (the client went away); a Postgres statement started in the
 * scope and still running then is cancelled on the server. Storage knows no HTTP: only the signal.
 */
const scopes = new AsyncLocalStorage<AbortSignal>();

/** Runs `work` (and everything it starts) in the scope of `signal`. */
export function withQueryScope<T>(signal: AbortSignal, work: () => T): T {
  return scopes.run(signal, work);
}

/** The signal of the scope the caller runs in, if any. */
export function querySignal(): AbortSignal | undefined {
  return scopes.getStore();
}
