import { startTestServer, type TestServer, type TestUser } from './support/test-server.js';
import { createPipeline, jsonOf } from './meergo/meergo-support.js';

// The filter: in-thread, V8 aborts the whole server with "Fatal JavaScript invalid size error".
const MEMORY_BOMB = '($d := function($s,$n){ $n = 0 ? $s : $d($s & $s, $n-1) }; $count($split($d("a", 28), "")) > 0)';
// A range of 10^7 per record (~130 ms each): in-thread, 40 records hold the event loop ~5 s.
const TIME_BOMB = '$count([1..1e7]) > 0';

type RunBody = { id: number; endTime: string | null; error: string; passed: number[]; failed: number[] };

/*
 * A tenant's expression against the server (in-process runs, the stage sandbox on as in
 * production): the run ends in ERROR with a reason, the event loop keeps answering while it
 * runs, and the process serves other organizations afterwards.
 */
describe('hostile expressions (stage sandbox on)', () => {
  let server: TestServer;
  let member: TestUser;
  beforeAll(async () => {
    server = await startTestServer({
      config: { stageSandbox: true, stageWorkers: 1, stageMemoryMb: 128, stageBatchTimeoutMs: 2_000 },
    });
    member = await server.user({ role: 'member' });
  });
  afterAll(() => server.close());

  /** Triggers a Meergo pipeline run and, until it ends, times /healthz every 50 ms; returns the run and the slowest answer. */
  async function runWatchingHealth(
    seq: number,
    as: TestUser = member,
  ): Promise<{ run: RunBody; slowestHealthMs: number; probes: number }> {
    const { id } = await jsonOf<{ id: number }>(
      await server.fetch(`/v1/pipelines/${seq}/runs`, { method: 'POST', auth: as.apiKey, json: {} }),
    );
    let slowest = 0;
    let probes = 0;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const t0 = performance.now();
      const health = await server.fetch('/healthz');
      slowest = Math.max(slowest, performance.now() - t0);
      probes++;
      expect(health.status).toBe(200);
      const run = await jsonOf<RunBody>(await server.fetch(`/v1/pipelines/runs/${id}`, { auth: as.apiKey }));
      if (run.endTime !== null) return { run, slowestHealthMs: slowest, probes };
      if (Date.now() > deadline) throw new Error(`run ${id} did not end within 30 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it("ends a member's memory-bomb run in ERROR with the reason; the server stays up for everyone", async () => {
    const p = await createPipeline(server, member, {
      source: { connector: 'inline', settings: { records: [{ n: 1 }] } },
      filter: MEMORY_BOMB,
      destination: { connector: 'none' },
    });
    const { run, slowestHealthMs } = await runWatchingHealth(p.seq);
    // Out of memory, or on a loaded machine out of time first: a limit either way.
    expect(run).toMatchObject({
      error: expect.stringMatching(
        /^The stages (ran out of memory \(limit 128 MB\)|took longer than \d+ s for one batch); the run was stopped\.$/,
      ),
      passed: [1, 0, 0, 0, 0, 0],
    });
    expect((await server.core.runs.getBySeq(member.actor, run.id)).status).toBe('ERROR');
    expect(slowestHealthMs).toBeLessThan(1_000);

    // Another organization is served afterwards (the process is alive), and its run completes in the sandbox.
    const other = await server.organization(`other-${Date.now()}`);
    const theirs = await createPipeline(server, other.admin, {
      source: { connector: 'inline', settings: { records: [{ n: 1 }, { n: 2 }] } },
      filter: 'n > 1',
      destination: { connector: 'none' },
    });
    const next = await runWatchingHealth(theirs.seq, other.admin);
    expect(next.run).toMatchObject({ error: '', passed: [2, 2, 1, 1, 1, 1] });
    // … and so does the same member's next, sane run.
    const sane = await createPipeline(server, member, {
      source: { connector: 'inline', settings: { records: [{ n: 3 }] } },
      filter: 'n > 1',
      destination: { connector: 'none' },
    });
    expect((await runWatchingHealth(sane.seq)).run).toMatchObject({ error: '', passed: [1, 1, 1, 1, 1, 1] });
  }, 60_000);

  it('answers /healthz in < 1 s while a time-bomb filter runs, then ends the run in ERROR at the batch limit', async () => {
    const records = Array.from({ length: 40 }, (_, n) => ({ n }));
    const p = await createPipeline(server, member, {
      source: { connector: 'inline', settings: { records } },
      filter: TIME_BOMB,
      destination: { connector: 'none' },
    });
    const { run, slowestHealthMs, probes } = await runWatchingHealth(p.seq);
    expect(run.error).toBe('The stages took longer than 2 s for one batch; the run was stopped.');
    expect((await server.core.runs.getBySeq(member.actor, run.id)).status).toBe('ERROR');
    // Probed throughout the ~2 s the filter ran, each answered at once.
    expect(probes).toBeGreaterThan(5);
    expect(slowestHealthMs).toBeLessThan(1_000);
  }, 60_000);
});
