import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler } from 'express';

/** What a dialect's error handler answers for a thrown value, through a real Express app: status, content type and parsed body. */
export async function errorAnswer(
  handler: ErrorRequestHandler,
  err: unknown,
): Promise<{ status: number; type: string | null; body: unknown }> {
  const app = express();
  app.get('/', () => {
    throw err;
  });
  app.use(handler);
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type'), body: text ? JSON.parse(text) : null };
  } finally {
    server.closeAllConnections();
    server.close();
  }
}
