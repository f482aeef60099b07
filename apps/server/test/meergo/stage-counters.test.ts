import { startTestServer, type TestServer } from '../support/test-server.js';
import { createPipeline, jsonOf } from './meergo-support.js';

/*
 * NEEDS THE ENGINE: this test runs a pipeline end to end and checks Meergo's per-stage
 * counters against a known dataset (the seed's example). It passes once createApp attaches
 * the run engine; until then the run stays PENDING and the test fails saying so.
 */
describe('meergo stage counters (needs the run engine)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('reports passed/failed per stage for 6,029 records with 55 filtered out', async () => {
    const records = Array.from({ length: 6029 }, (_, n) => ({ n, email: `user${n}@example.com` }));
    const p = await createPipeline(server, server.admin, {
      source: { connector: 'inline', settings: { records } },
      // The first 55 records are dropped at the Filter stage.
      filter: 'n >= 55',
      destination: { connector: 'none' },
    });
    const { id } = await jsonOf<{ id: number }>(
      await server.fetch(`/v1/pipelines/${p.seq}/runs`, { method: 'POST', auth: server.admin.apiKey, json: {} }),
    );

    const deadline = Date.now() + 30_000;
    let run: { endTime: string | null; passed: number[]; failed: number[]; error: string };
    for (;;) {
      run = await jsonOf(await server.fetch(`/v1/pipelines/runs/${id}`, { auth: server.admin.apiKey }));
      if (run.endTime !== null) break;
      if (Date.now() > deadline) {
        const status = (await server.core.runs.getBySeq(server.admin.actor, id)).status;
        throw new Error(
          status === 'PENDING'
            ? 'The run stayed PENDING for 30 s: no run engine is attached to the server (createApp uses noExecutor).'
            : `The run did not end within 30 s (status ${status}).`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(run).toMatchObject({
      passed: [6029, 6029, 5974, 5974, 5974, 5974],
      failed: [0, 0, 55, 0, 0, 0],
      error: '',
    });
  }, 40_000);
});
