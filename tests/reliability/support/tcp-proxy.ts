import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of Postgres. `cut()` drops every connection and stops
 * listening (new connects are refused at once); `restore()` listens again on the same port.
 */
export async function tcpProxy(
  targetHost: string,
  targetPort: number,
): Promise<{ port: number; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      if (server?.listening) return resolve();
      server = createServer((client) => {
        const upstream = connect(targetPort, targetHost);
        sockets.add(client).add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as AddressInfo).port;
        resolve();
      });
    });
  await listen();
  const cut = async () => {
    await new Promise<void>((r) => {
      if (!server?.listening) return r();
      server.close(() => r());
      for (const s of sockets) s.destroy();
      sockets.clear();
    });
  };
  return {
    port,
    cut,
    restore: listen,
    close: cut,
  };
}
