import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

// Connection targets that refuse the credentials they are given and, as the most careless or
// hostile server could, echo them back in their error: what the engine logs or reports of a
// failed connection must still never contain a connection's secret.

const field = (code: string, value: string) =>
  Buffer.concat([Buffer.from(code), Buffer.from(value, 'utf8'), Buffer.from([0])]);

/** A Postgres ErrorResponse ('E') message. */
function errorResponse(sqlState: string, message: string): Buffer {
  const fields = Buffer.concat([
    field('S', 'FATAL'),
    field('V', 'FATAL'),
    field('C', sqlState),
    field('M', message),
    Buffer.from([0]),
  ]);
  const head = Buffer.alloc(5);
  head.write('E', 0);
  head.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([head, fields]);
}

/**
 * A Postgres server that asks every client for its password in clear text
 * (AuthenticationCleartextPassword), records it, and refuses it with SQLSTATE 28P01 and a
 * message that repeats the password it got.
 */
export async function refusingPostgres(): Promise<{
  host: string;
  port: number;
  passwords: string[];
  close(): Promise<void>;
}> {
  const passwords: string[] = [];
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buf = Buffer.alloc(0);
    let started = false;
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        if (!started) {
          if (buf.length < 8) return;
          const len = buf.readInt32BE(0);
          if (buf.length < len) return;
          const code = buf.readInt32BE(4);
          buf = buf.subarray(len);
          // SSLRequest / GSSENCRequest: not supported here ('N'), the client goes on in plain text.
          if (code === 80877103 || code === 80877104) {
            socket.write('N');
            continue;
          }
          if (code === 80877102) return void socket.end(); // CancelRequest
          started = true;
          const auth = Buffer.alloc(9);
          auth.write('R', 0);
          auth.writeInt32BE(8, 1);
          auth.writeInt32BE(3, 5); // cleartext password, please
          socket.write(auth);
          continue;
        }
        if (buf.length < 5) return;
        const type = String.fromCharCode(buf[0]!);
        const len = buf.readInt32BE(1);
        if (buf.length < 1 + len) return;
        const body = buf.subarray(5, 1 + len);
        buf = buf.subarray(1 + len);
        if (type === 'p') {
          const password = body.toString('utf8').replace(/\0$/, '');
          passwords.push(password);
          socket.end(errorResponse('28P01', `password authentication failed for user "etl" (password "${password}")`));
          return;
        }
        socket.end(errorResponse('08P01', 'unexpected message'));
        return;
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    passwords,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(() => r(undefined)));
    },
  };
}

/**
 * A webhook that answers every request 401 with a body repeating the credentials it was sent
 * (the Authorization header and every other header), and records them.
 */
export async function refusingWebhook(): Promise<{
  url: string;
  requests: Record<string, string | string[] | undefined>[];
  close(): Promise<void>;
}> {
  const requests: Record<string, string | string[] | undefined>[] = [];
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      requests.push({ ...req.headers });
      res.writeHead(401, {
        'content-type': 'application/json',
        'www-authenticate': `Bearer error="invalid_token", received="${req.headers.authorization ?? ''}"`,
      });
      res.end(JSON.stringify({ error: 'unauthorized', received: req.headers }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ingest`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(() => r(undefined)));
    },
  };
}
