import pg from 'pg';
import { CANCEL_CHANNEL } from './queue-names.js';

/**
 * LISTENs on the cancel channel with a dedicated connection and hands each run id to
 * `onCancel`; reconnects after a lost connection (the run heartbeat still catches a cancel
 * meanwhile, only later).
 */
export class CancelListener {
  private client: pg.Client | null = null;
  private closed = false;
  private retry: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly connectionString: string,
    private readonly onCancel: (runId: string) => void,
    private readonly onError: (error: unknown, context: string) => void = () => {},
  ) {}

  async start(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.connectionString,
      application_name: 'pipewright-cancel-listener',
    });
    client.on('notification', (msg) => {
      if (msg.channel === CANCEL_CHANNEL && msg.payload) this.onCancel(msg.payload);
    });
    client.on('error', (e) => {
      this.onError(e, 'cancel listener');
      this.reconnectLater(client);
    });
    client.on('end', () => this.reconnectLater(client));
    await client.connect();
    await client.query(`LISTEN ${CANCEL_CHANNEL}`);
    this.client = client;
  }

  async stop(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    await this.client?.end().catch(() => {});
    this.client = null;
  }

  private reconnectLater(client: pg.Client): void {
    if (this.closed || this.client !== client || this.retry) return;
    this.client = null;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.start().catch((e) => {
        this.onError(e, 'cancel listener reconnect');
        this.reconnectLater(this.client ?? client);
      });
    }, 1000);
    this.retry.unref?.();
  }
}
