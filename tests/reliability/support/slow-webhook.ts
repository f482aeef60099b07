import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local webhook receiver on 127.0.0.1 that holds every request open while `slow` is set,
 * so runs writing to it stay mid-flight; `release()` answers them and later ones at once.
 */
export async function slowWebhook(): Promise<{
  url: string;
  received(): number;
  release(): void;
  close(): Promise<void>;
}> {
  let received = 0;
  let slow = true;
  const held: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      received++;
      if (slow) held.push(res);
      else res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  const release = () => {
    slow = false;
    for (const res of held.splice(0)) if (!res.destroyed) res.end('{}');
  };
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received: () => received,
    release,
    async close() {
      release();
      server.closeAllConnections();
      await new Promise((r) => server.close(() => r(undefined)));
    },
  };
}
