import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The runs' destination in scale-out tests: a webhook that holds each batch `delayMs`
 * (so runs are in flight when a worker is killed) and notices a run whose batches arrive
 * from two connections at once, i.e. a run executing on two workers at the same time.
 */
export class WebhookSink {
  readonly records = new Map<string, number>();
  readonly overlaps: string[] = [];
  received = 0;
  private readonly inFlight = new Map<string, number>();
  private server: Server | null = null;
  url = '';

  constructor(private readonly delayMs: number) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const { runId, records } = JSON.parse(body) as { runId: string; records: unknown[] };
        const now = this.inFlight.get(runId) ?? 0;
        if (now > 0) this.overlaps.push(runId);
        this.inFlight.set(runId, now + 1);
        let done = false;
        const release = () => {
          if (done) return;
          done = true;
          this.inFlight.set(runId, (this.inFlight.get(runId) ?? 1) - 1);
        };
        res.on('close', release); // a killed worker's connection closes
        const delay = req.url?.startsWith('/slow') ? 30_000 : this.delayMs;
        setTimeout(() => {
          release();
          if (res.destroyed) return;
          this.received++;
          this.records.set(runId, (this.records.get(runId) ?? 0) + records.length);
          res.writeHead(200).end('{}');
        }, delay).unref();
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}
