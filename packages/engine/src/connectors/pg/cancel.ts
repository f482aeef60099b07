import { connect as netConnect } from 'node:net';
import type pg from 'pg';

/** What a connected client knows of its backend (pg keeps it, its typings do not show it). */
interface BackendKey {
  host: string;
  port: number;
  processID: number | null;
  secretKey: number | null;
}

/**
 * Asks the server to cancel the statement `client` is running now, with the protocol's
 * CancelRequest on a connection of its own (to the same checked address, no login needed):
 * the statement ends at once with SQLSTATE 57014 and its query rejects, so the run that
 * started it stops without waiting for it. Resolves once sent (or it could not be); never throws.
 */
export function cancelStatement(client: pg.Client | pg.PoolClient): Promise<void> {
  const key = client as unknown as BackendKey;
  if (key.processID === null || key.secretKey === null || key.processID === undefined) return Promise.resolve();
  const packet = Buffer.alloc(16);
  packet.writeInt32BE(16, 0);
  packet.writeInt32BE(80877102, 4); // the CancelRequest code (1234 << 16 | 5678)
  packet.writeInt32BE(key.processID, 8);
  packet.writeInt32BE(key.secretKey, 12);
  return new Promise<void>((resolve) => {
    const socket = key.host.startsWith('/')
      ? netConnect(`${key.host}/.s.PGSQL.${key.port}`)
      : netConnect(key.port, key.host);
    const done = () => {
      socket.destroy();
      resolve();
    };
    socket.setTimeout(5_000, done);
    socket.once('error', done);
    // The server closes the connection once it has read the request.
    socket.once('close', done);
    socket.once('connect', () => socket.end(packet));
  });
}

/**
 * Cancels `client`'s running statement when `signal` aborts (a cancel, a run timeout, a
 * shutdown); returns the function that stops listening.
 */
export function cancelOnAbort(client: pg.Client | pg.PoolClient, signal: AbortSignal): () => void {
  const onAbort = () => void cancelStatement(client);
  if (signal.aborted) {
    onAbort();
    return () => {};
  }
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}
