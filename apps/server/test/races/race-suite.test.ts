import { sql } from 'kysely';
import { isDomainError } from '@pipewright/core';
import { createTestStorage, type TestStorage } from '@pipewright/storage-kysely/testing';
import { startTestServer, type TestServer, type TestUser } from '../support/test-server.js';
import { pipelineOwnedBy } from '../flow/flow-support.js';

/**
 * The race suite (issue 19): every writer of a pipeline — delete, disable, reschedule, update,
 * org-mode change, cancel — races the run's trigger, begin and finish (the in-process engine
 * begins and ends each run within milliseconds of its trigger), through every dialect that has
 * the operation. Each race has ROUNDS rounds, PARALLEL at a time, the dialects taken in turn.
 *
 * What must hold: no response ≥ 500 (each one is listed with its race, request, status and
 * body), every run reaches an end state, no orphan rows, and at most one open run per pipeline.
 */
const ROUNDS = 50;
const PARALLEL = 10;

const describeOnPostgres = process.env.TEST_DATABASE_URL ? describe : describe.skip;

/** A response ≥ 500 (or a request that failed outright), as reported. */
interface Failure {
  request: string;
  status: number;
  body: string;
}

interface Target {
  id: string;
  seq: number;
  name: string;
  workflowId: string;
}

describeOnPostgres('races: pipeline writers against trigger, begin and finish', () => {
  let storage: TestStorage;
  let server: TestServer;
  let admin: TestUser;
  let failures: Failure[];
  /** Statuses answered per request, to show each race really reached its writers (not only 4xx). */
  let answers: Map<string, number[]>;
  /** The first refusal of each request, shown when a request never succeeded. */
  let firstRefusal: Map<string, string>;
  /** Orphan counts before the race: each race answers for the rows it leaves. */
  let before: Awaited<ReturnType<typeof invariants>>;

  beforeAll(async () => {
    storage = await createTestStorage({ backend: 'postgres' });
    server = await startTestServer({
      storage: {
        storage: storage.storage,
        db: storage.db,
        driver: storage.driver,
        migrate: storage.migrate,
        close: storage.cleanup,
      },
    });
    admin = server.admin;
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    failures = [];
    answers = new Map();
    firstRefusal = new Map();
    before = await invariants();
  });

  const unstract = (path: string) => `/api/v1/unstract/${server.org.slug}${path}`;

  /** Sends one request; a status ≥ 500 or a failed request is recorded with its body. */
  async function send(
    request: string,
    path: string,
    init: RequestInit & { auth?: string; json?: unknown } = {},
  ): Promise<number> {
    try {
      const res = await server.fetch(path, init);
      const body = await res.text();
      answers.set(request, [...(answers.get(request) ?? []), res.status]);
      if (res.status >= 300 && !firstRefusal.has(request))
        firstRefusal.set(request, `${res.status} ${body.slice(0, 200)}`);
      if (res.status >= 500) failures.push({ request, status: res.status, body: body.slice(0, 500) });
      return res.status;
    } catch (e) {
      failures.push({ request, status: 0, body: e instanceof Error ? e.message : String(e) });
      return 0;
    }
  }

  /** A core call (for the dialects without a trigger route): a typed core error is an answer, anything else a failure. */
  async function viaCore(request: string, call: () => Promise<unknown>): Promise<void> {
    try {
      await call();
    } catch (e) {
      if (!isDomainError(e))
        failures.push({ request, status: 0, body: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    }
  }

  /** The trigger side, taken in turn: Meergo, Unstract, and the core (ZenML, Flow and native have no trigger route). */
  const triggers: ((p: Target) => Promise<unknown>)[] = [
    (p) =>
      send('Meergo POST /v1/pipelines/{id}/runs', `/v1/pipelines/${p.seq}/runs`, {
        method: 'POST',
        auth: admin.apiKey,
        json: {},
      }),
    (p) =>
      send('Unstract POST pipeline/execute/', unstract('/pipeline/execute/'), {
        method: 'POST',
        auth: admin.apiKey,
        json: { pipeline_id: p.id },
      }),
    (p) => viaCore('core runs.trigger', () => server.core.runs.trigger(admin.actor, p.id)),
  ];

  /** Runs `round` ROUNDS times, PARALLEL at once. */
  async function rounds(round: (i: number) => Promise<void>): Promise<void> {
    for (let from = 0; from < ROUNDS; from += PARALLEL)
      await Promise.all(Array.from({ length: Math.min(PARALLEL, ROUNDS - from) }, (_, k) => round(from + k)));
  }

  /**
   * Each round: a fresh pipeline, its trigger and `ops[i % n]` — sent at once in even rounds
   * (the writer races the trigger), one right after the other in odd ones (the writer races the
   * engine's begin and finish of the run just triggered).
   */
  async function race(ops: ((p: Target, i: number) => Promise<unknown>)[]): Promise<void> {
    await rounds(async (i) => {
      const p = await pipelineOwnedBy(server, admin.actor);
      const trigger = triggers[Math.floor(i / 2) % triggers.length]!;
      const op = ops[Math.floor(i / 2) % ops.length]!;
      if (i % 2 === 0) await Promise.all([trigger(p), op(p, i)]);
      else {
        await trigger(p);
        await op(p, i);
      }
    });
  }

  const count = async (query: string) =>
    (await sql<{ n: number }>`${sql.raw(`select count(*)::int as n from (${query}) q`)}`.execute(storage.db)).rows[0]!
      .n;

  /** Waits (bounded) for the engine to end every run, then reads what must hold. */
  async function invariants() {
    const open = `select id from runs where status in ('PENDING', 'EXECUTING', 'STOPPING')`;
    for (let waited = 0; waited < 15_000 && (await count(open)) > 0; waited += 100)
      await new Promise((r) => setTimeout(r, 100));
    return {
      openRuns: await count(open),
      pipelinesWithTwoOpenRuns: await count(
        `select pipeline_id from runs where status in ('PENDING', 'EXECUTING', 'STOPPING') and pipeline_id is not null group by pipeline_id having count(*) > 1`,
      ),
      runsWithoutPipeline: await count(
        `select r.id from runs r where r.pipeline_id is not null and not exists (select 1 from pipelines p where p.id = r.pipeline_id)`,
      ),
      logsWithoutRun: await count(
        `select l.id from run_logs l where not exists (select 1 from runs r where r.id = l.run_id)`,
      ),
      fileExecutionsWithoutRun: await count(
        `select f.id from file_executions f where not exists (select 1 from runs r where r.id = f.run_id)`,
      ),
      linksWithoutPipeline: await count(
        `select l.run_id from run_linked_pipelines l where not exists (select 1 from pipelines p where p.id = l.pipeline_id)`,
      ),
    };
  }

  const CLEAN = {
    openRuns: 0,
    pipelinesWithTwoOpenRuns: 0,
    runsWithoutPipeline: 0,
    logsWithoutRun: 0,
    fileExecutionsWithoutRun: 0,
    linksWithoutPipeline: 0,
  };

  /**
   * Fails with every ≥ 500 answer of the race (request, status, body), every broken invariant
   * (orphans counted as those the race added), and every request that never succeeded (a race
   * that only met 4xx tested nothing).
   */
  async function expectClean(options: { everyRequestSucceeds?: boolean } = {}): Promise<void> {
    const after = await invariants();
    const held = Object.fromEntries(
      Object.entries(after).map(([k, n]) => [
        k,
        k === 'openRuns' || k === 'pipelinesWithTwoOpenRuns' ? n : n - before[k as keyof typeof before],
      ]),
    );
    const neverSucceeded =
      options.everyRequestSucceeds === false
        ? []
        : [...answers]
            .filter(([, statuses]) => !statuses.some((st) => st < 300))
            .map(([request]) => `${request}: ${firstRefusal.get(request)}`);
    expect({ failures, invariants: held, neverSucceeded }).toEqual({
      failures: [],
      invariants: CLEAN,
      neverSucceeded: [],
    });
  }

  it('triggers of one pipeline through every trigger route at once: one open run at a time, the rest refused (not 500)', async () => {
    // The rule is the database's (a partial unique index), not a check in memory.
    const index = await sql<{
      indexdef: string;
    }>`select indexdef from pg_indexes where indexname = 'runs_one_open_per_pipeline'`.execute(storage.db);
    expect(index.rows[0]?.indexdef).toMatch(/UNIQUE INDEX .* \(pipeline_id\) WHERE .*PENDING.*EXECUTING.*STOPPING/);
    await rounds(async () => {
      const p = await pipelineOwnedBy(server, admin.actor);
      await Promise.all(triggers.map((trigger) => trigger(p)));
    });
    // The core's trigger (no HTTP on its way) mostly wins: a route may never succeed here, but each refusal is "in progress".
    const refusals = [...answers].flatMap(([request, statuses]) =>
      statuses.filter((st) => st >= 300).map((st) => `${request}: ${st}`),
    );
    expect([...new Set(refusals)].filter((r) => !/^Unstract .*: 409$|^Meergo .*: 422$/.test(r))).toEqual([]);
    await expectClean({ everyRequestSucceeds: false });
  }, 60_000);

  it('delete (ZenML, Meergo, Unstract) and Flow job links against trigger, begin and finish', async () => {
    // A finished workflow run as the Flow job that links the pipelines as they are deleted.
    const jobOwner = await pipelineOwnedBy(server, admin.actor);
    const job = await server.core.runs.triggerWorkflow(admin.actor, jobOwner.workflowId);
    await race([
      (p) =>
        send('ZenML DELETE /api/v1/pipelines/{id}', `/api/v1/pipelines/${p.id}`, {
          method: 'DELETE',
          auth: admin.token,
        }),
      (p) =>
        send('Meergo DELETE /v1/pipelines/{id}', `/v1/pipelines/${p.seq}`, { method: 'DELETE', auth: admin.apiKey }),
      (p) =>
        send('Unstract DELETE pipeline/{id}/', unstract(`/pipeline/${p.id}/`), {
          method: 'DELETE',
          auth: admin.apiKey,
        }),
      (p) =>
        Promise.all([
          send('Unstract DELETE pipeline/{id}/ (with a Flow link)', unstract(`/pipeline/${p.id}/`), {
            method: 'DELETE',
            auth: admin.apiKey,
          }),
          send('Flow POST /api/v1/jobs/pipelines', '/api/v1/jobs/pipelines', {
            method: 'POST',
            auth: admin.apiKey,
            json: { job_id: job.id, pipeline_ids: [p.id] },
          }),
        ]),
    ]);
    await expectClean();
  }, 60_000);

  it('disable (Meergo, Unstract, native) against trigger, begin and finish', async () => {
    await race([
      (p) =>
        send('Meergo PUT /v1/pipelines/{id}/status', `/v1/pipelines/${p.seq}/status`, {
          method: 'PUT',
          auth: admin.apiKey,
          json: { enabled: false },
        }),
      (p) =>
        send('Unstract PATCH pipeline/{id}/ active=false', unstract(`/pipeline/${p.id}/`), {
          method: 'PATCH',
          auth: admin.apiKey,
          json: { active: false },
        }),
      (p) =>
        send('native PATCH /admin/api/v1/pipelines/{id} enabled=false', `/admin/api/v1/pipelines/${p.id}`, {
          method: 'PATCH',
          auth: admin.token,
          json: { enabled: false },
        }),
    ]);
    await expectClean();
  }, 60_000);

  it('reschedule (Meergo, Unstract) against trigger, begin and finish', async () => {
    await race([
      (p) =>
        send('Meergo PUT /v1/pipelines/{id}/schedule', `/v1/pipelines/${p.seq}/schedule`, {
          method: 'PUT',
          auth: admin.apiKey,
          json: { period: '1h' },
        }),
      (p) =>
        send('Unstract PATCH pipeline/{id}/ cron_string', unstract(`/pipeline/${p.id}/`), {
          method: 'PATCH',
          auth: admin.apiKey,
          json: { cron_string: '0 6 * * *' },
        }),
    ]);
    await expectClean();
  }, 60_000);

  it('update (ZenML, Meergo, Unstract, native) against trigger, begin and finish', async () => {
    await race([
      (p) =>
        send('ZenML PUT /api/v1/pipelines/{id}', `/api/v1/pipelines/${p.id}`, {
          method: 'PUT',
          auth: admin.token,
          json: { add_tags: ['raced'] },
        }),
      (p) =>
        send('Meergo PUT /v1/pipelines/{id}', `/v1/pipelines/${p.seq}`, {
          method: 'PUT',
          auth: admin.apiKey,
          json: { name: `${p.name}-renamed`, enabled: true },
        }),
      (p, i) =>
        send('Unstract PATCH pipeline/{id}/ pipeline_name', unstract(`/pipeline/${p.id}/`), {
          method: 'PATCH',
          auth: admin.apiKey,
          json: { pipeline_name: `race-${i}-${p.seq}` },
        }),
      (p) =>
        send('native PATCH /admin/api/v1/pipelines/{id}', `/admin/api/v1/pipelines/${p.id}`, {
          method: 'PATCH',
          auth: admin.token,
          json: { description: 'raced' },
        }),
    ]);
    await expectClean();
  }, 60_000);

  it('cancel and delete of the run (ZenML) against its begin and finish', async () => {
    await rounds(async (i) => {
      const p = await pipelineOwnedBy(server, admin.actor);
      let runId: string | null = null;
      await viaCore('core runs.trigger', async () => (runId = (await server.core.runs.trigger(admin.actor, p.id)).id));
      if (!runId) return;
      const id: string = runId;
      // Stop races the engine's begin and finish; the delete races the end of the stop (an open run refuses it).
      await send('ZenML POST /api/v1/runs/{id}/stop', `/api/v1/runs/${id}/stop`, { method: 'POST', auth: admin.token });
      if (i % 2 === 1) {
        await new Promise((r) => setTimeout(r, i % 7));
        await send('ZenML DELETE /api/v1/runs/{id}', `/api/v1/runs/${id}`, { method: 'DELETE', auth: admin.token });
      }
    });
    await expectClean();
  }, 60_000);

  it('org mode change (Meergo with cancel, native) against trigger, begin and finish', async () => {
    const modes: ((i: number) => Promise<unknown>)[] = [
      async () => {
        await send('Meergo PUT /v1/warehouse/mode Inspection', '/v1/warehouse/mode', {
          method: 'PUT',
          auth: admin.apiKey,
          json: { mode: 'Inspection', cancelIncompatibleOperations: true },
        });
        await send('Meergo PUT /v1/warehouse/mode Normal', '/v1/warehouse/mode', {
          method: 'PUT',
          auth: admin.apiKey,
          json: { mode: 'Normal' },
        });
      },
      async () => {
        const path = `/admin/api/v1/organizations/${server.org.slug}/mode`;
        await send('native PUT organizations/{slug}/mode maintenance', path, {
          method: 'PUT',
          auth: admin.token,
          json: { mode: 'maintenance' },
        });
        await send('native PUT organizations/{slug}/mode normal', path, {
          method: 'PUT',
          auth: admin.token,
          json: { mode: 'normal' },
        });
      },
    ];
    try {
      // One round in five changes the mode (there and back), so the triggers of the others meet normal and non-normal modes alike.
      await race([async (_p, i) => (i % 5 === 0 ? modes[(i / 5) % modes.length]!(i) : undefined)]);
    } finally {
      // Whatever order the rounds ended in, the org is left in normal mode for the races after it.
      await send('native PUT organizations/{slug}/mode normal', `/admin/api/v1/organizations/${server.org.slug}/mode`, {
        method: 'PUT',
        auth: admin.token,
        json: { mode: 'normal' },
      });
    }
    await expectClean();
  }, 60_000);
});
