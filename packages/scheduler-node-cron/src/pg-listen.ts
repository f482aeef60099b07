/**
 * Subscribes to a notification channel; returns an unsubscribe function. `onMessage` is
 * a hint to look for changes now; polling stays the source of truth, so a lost
 * notification or a dropped connection only delays propagation to the next poll.
 */
export type ScheduleListener = (
  channel: string,
  onMessage: () => void,
  onError: (error: unknown) => void,
) => Promise<() => Promise<void>>;

/** The part of a node-postgres client the listener uses. */
export interface ListeningClient {
  query(text: string): Promise<unknown>;
  on(event: 'notification', listener: (msg: { channel: string }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  release(destroy?: boolean): void;
}

/** The part of a node-postgres Pool the listener uses. */
export interface ListeningPool {
  connect(): Promise<ListeningClient>;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * LISTEN on a dedicated connection from a node-postgres pool (Postgres only; PGlite
 * deployments rely on polling). The connection is held until unsubscribed.
 */
export function pgListener(pool: ListeningPool): ScheduleListener {
  return async (channel, onMessage, onError) => {
    const client = await pool.connect();
    let broken = false;
    client.on('notification', (msg) => {
      if (msg.channel === channel) onMessage();
    });
    client.on('error', (e) => {
      broken = true;
      onError(e);
    });
    await client.query(`LISTEN ${quoteIdent(channel)}`);
    return async () => {
      try {
        if (!broken) await client.query(`UNLISTEN ${quoteIdent(channel)}`);
      } finally {
        client.release(broken);
      }
    };
  };
}
