import { sql } from 'kysely';
import { createTestStorage, type TestStorage } from '@pipewright/storage-kysely/testing';
import { startTestServer, type TestServer } from './support/test-server.js';
import { createPipeline as createMeergoPipeline } from './meergo/meergo-support.js';
import { api, call, createPipeline as createUnstractPipeline } from './unstract/unstract-support.js';

// Regression (issue 19): deleting a pipeline right after triggering its run answered 500 when
// the delete (pipeline, then runs) deadlocked with the run engine (run, then pipeline).
const ROUNDS = 30;

const describeOnPostgres = process.env.TEST_DATABASE_URL ? describe : describe.skip;

describeOnPostgres('deleting a pipeline right after triggering its run', () => {
  let storage: TestStorage;
  let server: TestServer;

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
  });
  afterAll(() => server.close());

  /** What the rounds left behind: runs of deleted pipelines, open runs, and log lines or file executions without a run. */
  async function leftovers(pipelineIds: string[]) {
    const count = async (query: ReturnType<typeof sql<{ n: number }>>) => (await query.execute(storage.db)).rows[0]!.n;
    return {
      runsOfDeleted: await count(
        sql<{ n: number }>`select count(*)::int as n from runs where pipeline_id = any(${pipelineIds}::uuid[])`,
      ),
      openRuns: await count(
        sql<{ n: number }>`select count(*)::int as n from runs where status in ('PENDING', 'EXECUTING', 'STOPPING')`,
      ),
      orphanLogs: await count(
        sql<{
          n: number;
        }>`select count(*)::int as n from run_logs l where not exists (select 1 from runs r where r.id = l.run_id)`,
      ),
      orphanFiles: await count(
        sql<{
          n: number;
        }>`select count(*)::int as n from file_executions f where not exists (select 1 from runs r where r.id = f.run_id)`,
      ),
    };
  }

  /** Lets the engine finish whatever it still holds, so its late writes are part of what is checked. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

  it('Unstract: POST pipeline/execute/ then DELETE pipeline/{id}/ never answers 5xx', async () => {
    const owner = await server.user();
    const base = api(server.org.slug);
    const statuses: number[] = [];
    const ids: string[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const p = await createUnstractPipeline(server, owner, `race-${i}`);
      ids.push(p.id);
      const run = await call(server, 'POST', `${base}/pipeline/execute/`, { as: owner, json: { pipeline_id: p.id } });
      const deleted = await call(server, 'DELETE', `${base}/pipeline/${p.id}/`, { as: owner });
      statuses.push(run.status, deleted.status);
    }
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(new Set(statuses)).toEqual(new Set([200, 204]));
    await settle();
    expect(await leftovers(ids)).toEqual({ runsOfDeleted: 0, openRuns: 0, orphanLogs: 0, orphanFiles: 0 });
  });

  it('Meergo: POST /v1/pipelines/{id}/runs then DELETE /v1/pipelines/{id} never answers 5xx', async () => {
    const admin = server.admin;
    const statuses: number[] = [];
    const ids: string[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const p = await createMeergoPipeline(server, admin);
      ids.push(p.uuid);
      const run = await server.fetch(`/v1/pipelines/${p.seq}/runs`, { method: 'POST', auth: admin.apiKey, json: {} });
      const deleted = await server.fetch(`/v1/pipelines/${p.seq}`, { method: 'DELETE', auth: admin.apiKey });
      statuses.push(run.status, deleted.status);
      if (deleted.status === 200) expect(await deleted.text()).toBe('');
    }
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(new Set(statuses)).toEqual(new Set([200]));
    await settle();
    expect(await leftovers(ids)).toEqual({ runsOfDeleted: 0, openRuns: 0, orphanLogs: 0, orphanFiles: 0 });
  });
});
