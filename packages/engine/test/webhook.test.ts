import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { engineWorld, type EngineWorld } from './support/harness.js';

interface Received {
  body: { runId: string; file: string | null; records: unknown[] };
  headers: IncomingMessage['headers'];
}

/** A local endpoint answering with the statuses given, in order (then 200). */
async function endpoint(statuses: number[]): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      received.push({ body: JSON.parse(data), headers: req.headers });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, server };
}

describe('webhook destination', () => {
  let w: EngineWorld;
  let server: Server | undefined;
  beforeEach(async () => {
    w = await engineWorld({ batchSize: 2 });
  });
  afterEach(async () => {
    await w.close();
    await new Promise((r) => server?.close(r));
  });

  const workflow = async (url: string, extra: Record<string, unknown> = {}) =>
    w.workflow({
      source: { connector: 'inline', settings: { records: [{ a: 1 }, { a: 2 }, { a: 3 }] } },
      destination: {
        connector: 'webhook',
        connection: await w.connection('webhook', { url, headers: { 'x-token': 'secret' }, token: 'tok-123' }),
        settings: { backoffMs: 5, ...extra },
      },
    });

  it('POSTs each batch as JSON, retrying 5xx and 429 with backoff', async () => {
    const hook = await endpoint([503, 429]);
    server = hook.server;
    const run = await w.run(await w.pipeline(await workflow(hook.url)));
    expect(run.status).toBe('COMPLETED');
    expect(run.stages.passed).toEqual([3, 3, 3, 3, 3, 3]);
    // Two failed tries of the first batch, then both batches.
    expect(hook.received.map((r) => r.body.records)).toEqual([
      [{ a: 1 }, { a: 2 }],
      [{ a: 1 }, { a: 2 }],
      [{ a: 1 }, { a: 2 }],
      [{ a: 3 }],
    ]);
    expect(hook.received[0]!.body).toMatchObject({ runId: run.id, file: null });
    expect(hook.received[0]!.headers).toMatchObject({
      'content-type': 'application/json',
      'x-token': 'secret',
      authorization: 'Bearer tok-123',
    });
  });

  it('fails the batch in Finalize on a 4xx answer, and goes on', async () => {
    const hook = await endpoint([400]);
    server = hook.server;
    const run = await w.run(await w.pipeline(await workflow(hook.url)));
    expect(run.status).toBe('COMPLETED');
    expect(run.stages).toEqual({ passed: [3, 3, 3, 3, 3, 1], failed: [0, 0, 0, 0, 0, 2] });
  });

  it('ends the run as ERROR when the attempts run out', async () => {
    const hook = await endpoint([500, 500, 500]);
    server = hook.server;
    const run = await w.run(await w.pipeline(await workflow(hook.url, { maxAttempts: 3 })));
    expect(run.status).toBe('ERROR');
    expect(run.error).toBe(
      'destination "webhook" failed: webhook failed after 3 attempts: answered 500 Internal Server Error',
    );
    expect(hook.received).toHaveLength(3);
  });

  it('fails retryably when the attempts run out, so the pipeline retry policy tries the run again', async () => {
    const hook = await endpoint([500, 500]);
    server = hook.server;
    const run = await w.run(
      await w.pipeline(await workflow(hook.url, { maxAttempts: 2 }), { retry: { maxAttempts: 2, backoffSeconds: 0 } }),
    );
    expect(run).toMatchObject({ status: 'COMPLETED', attempt: 2, error: null });
    expect(run.stages.passed).toEqual([3, 3, 3, 3, 3, 3]);
    expect(hook.received).toHaveLength(4); // two refused tries of the first batch, then both batches
  });

  it('ends the run as ERROR when nothing listens', async () => {
    const hook = await endpoint([]);
    await new Promise((r) => hook.server.close(r));
    const run = await w.run(await w.pipeline(await workflow(hook.url, { maxAttempts: 2 })));
    expect(run.status).toBe('ERROR');
    expect(run.error).toMatch(/^destination "webhook" failed: webhook failed after 2 attempts: .*ECONNREFUSED/);
  });
});
