import { startTestServer, type TestServer, type TestUser } from '../support/test-server.js';
import {
  createPipeline,
  expectEmpty,
  expectError,
  insertRun,
  jsonOf,
  statusAndCode,
  uniqueName,
  type ErrorJson,
} from './meergo-support.js';

interface RunBody {
  id: number;
  pipeline: number | null;
  startTime: string;
  endTime: string | null;
  passed: number[];
  failed: number[];
  error: string;
}

const ZEROS = [0, 0, 0, 0, 0, 0];
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

// Meergo runs: trigger (checks in Meergo's order, one winner under concurrency), list (streamed), get.
describe('meergo runs', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const call = (user: TestUser, method: string, path: string, json?: unknown) =>
    server.fetch(path, { method, auth: user.apiKey, ...(json !== undefined ? { json } : {}) });

  /** A fresh organization, so mode changes and run lists do not leak between tests. */
  async function workspace() {
    const org = await server.organization(uniqueName('ws').toLowerCase());
    return { org, admin: org.admin };
  }

  describe('POST /v1/pipelines/{id}/runs', () => {
    it('starts a run and answers its int id at once', async () => {
      const { admin } = await workspace();
      const p = await createPipeline(server, admin);
      const { id } = await jsonOf<{ id: number }>(await call(admin, 'POST', `/v1/pipelines/${p.seq}/runs`, {}));
      const run = await jsonOf<RunBody>(await call(admin, 'GET', `/v1/pipelines/runs/${id}`));
      expect(run).toMatchObject({ id, pipeline: p.seq });
      expect(run.startTime).toMatch(ISO);
      // Without an engine the run stays open; with one it may already have ended.
      if (run.endTime === null) expect(run).toMatchObject({ passed: ZEROS, failed: ZEROS, error: '' });
      const stored = await server.core.runs.getBySeq(admin.actor, id);
      expect({ trigger: stored.toState().trigger, incremental: stored.incremental }).toEqual({
        trigger: 'api',
        incremental: false,
      });
    });

    it('uses the pipeline’s incremental default unless the body says otherwise', async () => {
      const { admin } = await workspace();
      const p = await createPipeline(server, admin, { incremental: true, updatedAtColumn: 'updated_at' });
      const { id } = await jsonOf<{ id: number }>(
        await call(admin, 'POST', `/v1/pipelines/${p.seq}/runs`, { incremental: null }),
      );
      expect((await server.core.runs.getBySeq(admin.actor, id)).incremental).toBe(true);
      const q = await createPipeline(server, admin, { incremental: true, updatedAtColumn: 'updated_at' });
      const second = await jsonOf<{ id: number }>(
        await call(admin, 'POST', `/v1/pipelines/${q.seq}/runs`, { incremental: false }),
      );
      expect((await server.core.runs.getBySeq(admin.actor, second.id)).incremental).toBe(false);
    });

    it('checks in Meergo’s order: incremental column, enabled, in progress, warehouse mode', async () => {
      const { org, admin } = await workspace();
      // 1. incremental asked for without an update time column wins over everything else.
      const p = await createPipeline(server, admin, { enabled: false });
      await insertRun(server, { orgId: org.id, pipelineId: p.uuid, workflowId: p.workflow, status: 'PENDING' });
      await expectEmpty(await call(admin, 'PUT', '/v1/warehouse/mode', { mode: 'Inspection' }));
      const run = (body: unknown) => call(admin, 'POST', `/v1/pipelines/${p.seq}/runs`, body);
      await expectError(
        await run({ incremental: true }),
        422,
        'CannotRunIncrementally',
        'incremental requires an update time column',
      );
      // 2. then the pipeline must be enabled (the column is not checked when `incremental` is not given).
      await expectError(await run({}), 422, 'PipelineDisabled', `pipeline ${p.seq} is disabled`);
      await expectError(await run({ incremental: false }), 422, 'PipelineDisabled', `pipeline ${p.seq} is disabled`);
      // 3. then no run may be in progress.
      await call(admin, 'PUT', `/v1/pipelines/${p.seq}/status`, { enabled: true });
      await expectError(
        await run({ incremental: false }),
        422,
        'RunInProgress',
        `pipeline ${p.seq} is already in progress`,
      );
      // 4. then the warehouse must be in Normal mode.
      const q = await createPipeline(server, admin);
      await expectError(
        await call(admin, 'POST', `/v1/pipelines/${q.seq}/runs`, {}),
        422,
        'InspectionMode',
        'data warehouse is in inspection mode',
      );
      await call(admin, 'PUT', '/v1/warehouse/mode', { mode: 'Maintenance' });
      await expectError(
        await call(admin, 'POST', `/v1/pipelines/${q.seq}/runs`, {}),
        422,
        'MaintenanceMode',
        'data warehouse is in maintenance mode',
      );
      await call(admin, 'PUT', '/v1/warehouse/mode', { mode: 'Normal' });
      expect((await call(admin, 'POST', `/v1/pipelines/${q.seq}/runs`, {})).status).toBe(200);
    });

    it('lets one concurrent trigger at a time win: never two open runs', async () => {
      const { admin } = await workspace();
      const p = await createPipeline(server, admin);
      const responses = await Promise.all(
        Array.from({ length: 10 }, () => call(admin, 'POST', `/v1/pipelines/${p.seq}/runs`, {})),
      );
      const bodies = (await Promise.all(responses.map((r) => r.json()))) as Array<Partial<ErrorJson>>;
      // The pipeline's (empty) run can finish before the last trigger takes the lock, and then
      // that trigger rightly wins too; what must never happen is a run opened beside an open one.
      const winners = responses.filter((r) => r.status === 200);
      expect(winners.length).toBeGreaterThanOrEqual(1);
      const losers = bodies.filter((b) => b.error);
      expect(losers).toHaveLength(10 - winners.length);
      for (const b of losers)
        expect(b).toEqual({ error: { code: 'RunInProgress', message: `pipeline ${p.seq} is already in progress` } });
      let runs: RunBody[] = [];
      for (let i = 0; i < 100; i++) {
        ({ runs } = await jsonOf<{ runs: RunBody[] }>(await call(admin, 'GET', '/v1/pipelines/runs')));
        if (runs.every((r) => r.endTime !== null)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(runs).toHaveLength(winners.length);
      const ordered = [...runs].sort((a, b) => a.startTime.localeCompare(b.startTime));
      for (let i = 1; i < ordered.length; i++) expect(ordered[i]!.startTime >= ordered[i - 1]!.endTime!).toBe(true);
    });

    it('400 for a non-boolean incremental; 404 for an unknown pipeline; 403 for a reader who may not execute', async () => {
      const { admin } = await workspace();
      const p = await createPipeline(server, admin);
      await expectError(
        await call(admin, 'POST', `/v1/pipelines/${p.seq}/runs`, { incremental: 'yes' }),
        400,
        'BadRequest',
        'incremental must be a boolean value',
      );
      await expectError(
        await call(admin, 'POST', '/v1/pipelines/2147483647/runs', {}),
        404,
        'NotFound',
        'pipeline 2147483647 does not exist',
      );
      await expectError(
        await call(admin, 'POST', '/v1/pipelines/abc/runs', {}),
        400,
        'BadRequest',
        'identifier "abc" is not a valid pipeline identifier',
      );
      const reader = await server.user({
        orgSlug: (await server.core.auth.findOrganization({ id: admin.actor.orgId }))!.slug,
      });
      await server.core.pipelines.share(admin.actor, p.uuid, { userIds: [], toOrg: true });
      const res = await call(reader, 'POST', `/v1/pipelines/${p.seq}/runs`, {});
      expect(await statusAndCode(res)).toEqual([403, 'Forbidden']);
    });
  });

  describe('GET /v1/pipelines/runs', () => {
    it('lists every run of the workspace, newest first, counters hidden while open', async () => {
      const { org, admin } = await workspace();
      const p = await createPipeline(server, admin);
      const q = await createPipeline(server, admin);
      const progress = { passed: [5, 5, 4, 4, 4, 4], failed: [0, 0, 1, 0, 0, 0] };
      const done = { passed: [6029, 6029, 5974, 5974, 5974, 5974], failed: [0, 0, 55, 0, 0, 0] };
      const base = Date.now() - 60_000;
      const completed = await insertRun(server, {
        orgId: org.id,
        pipelineId: p.uuid,
        workflowId: p.workflow,
        status: 'COMPLETED',
        stages: done,
        at: new Date(base),
      });
      const failed = await insertRun(server, {
        orgId: org.id,
        pipelineId: p.uuid,
        workflowId: p.workflow,
        status: 'ERROR',
        error: 'source unreachable',
        stages: progress,
        at: new Date(base + 1),
      });
      const stopped = await insertRun(server, {
        orgId: org.id,
        pipelineId: q.uuid,
        workflowId: q.workflow,
        status: 'STOPPED',
        at: new Date(base + 2),
      });
      const executing = await insertRun(server, {
        orgId: org.id,
        pipelineId: p.uuid,
        workflowId: p.workflow,
        status: 'EXECUTING',
        stages: progress,
        at: new Date(base + 3),
      });
      const pending = await insertRun(server, {
        orgId: org.id,
        pipelineId: q.uuid,
        workflowId: q.workflow,
        status: 'PENDING',
        at: new Date(base + 4),
      });

      const res = await call(admin, 'GET', '/v1/pipelines/runs');
      const { runs } = await jsonOf<{ runs: RunBody[] }>(res);
      expect(runs.map((r) => r.id)).toEqual([pending.seq, executing.seq, stopped.seq, failed.seq, completed.seq]);
      const [rPending, rExecuting, rStopped, rFailed, rCompleted] = runs;
      expect(rPending).toEqual({
        id: pending.seq,
        pipeline: q.seq,
        startTime: new Date(base + 4).toISOString(),
        endTime: null,
        passed: ZEROS,
        failed: ZEROS,
        error: '',
      });
      expect(rExecuting).toMatchObject({ endTime: null, passed: ZEROS, failed: ZEROS, error: '' });
      expect(rStopped).toMatchObject({ pipeline: q.seq, error: 'run has been canceled' });
      expect(rFailed).toMatchObject({ error: 'source unreachable', passed: progress.passed, failed: progress.failed });
      expect(rCompleted).toEqual({
        id: completed.seq,
        pipeline: p.seq,
        startTime: new Date(base).toISOString(),
        endTime: new Date(base + 1000).toISOString(),
        ...done,
        error: '',
      });
    });

    it('shows only the pipeline runs the caller may see, each with its int pipeline id', async () => {
      const { org, admin } = await workspace();
      const member = await server.user({ orgSlug: (await server.core.auth.findOrganization({ id: org.id }))!.slug });
      const hidden = await createPipeline(server, admin);
      const shared = await createPipeline(server, admin);
      await server.core.pipelines.share(admin.actor, shared.uuid, { userIds: [member.id], toOrg: false });
      const a = await insertRun(server, {
        orgId: org.id,
        pipelineId: hidden.uuid,
        workflowId: hidden.workflow,
        status: 'COMPLETED',
      });
      const b = await insertRun(server, {
        orgId: org.id,
        pipelineId: shared.uuid,
        workflowId: shared.workflow,
        status: 'COMPLETED',
      });
      const c = await insertRun(server, {
        orgId: org.id,
        pipelineId: null,
        workflowId: hidden.workflow,
        status: 'COMPLETED',
      });
      const { runs: forAdmin } = await jsonOf<{ runs: RunBody[] }>(await call(admin, 'GET', '/v1/pipelines/runs'));
      // A workflow run without a pipeline (another dialect's) is not a pipeline run: not listed, 404 by id.
      expect(forAdmin.map((r) => [r.id, r.pipeline])).toEqual([
        [b.seq, shared.seq],
        [a.seq, hidden.seq],
      ]);
      const { runs: forMember } = await jsonOf<{ runs: RunBody[] }>(await call(member, 'GET', '/v1/pipelines/runs'));
      expect(forMember.map((r) => r.id)).toEqual([b.seq]);
      // Another workspace sees none of them.
      const outside = await workspace();
      const { runs: forOutsider } = await jsonOf<{ runs: RunBody[] }>(
        await call(outside.admin, 'GET', '/v1/pipelines/runs'),
      );
      expect(forOutsider).toEqual([]);
      await expectError(
        await call(admin, 'GET', `/v1/pipelines/runs/${c.seq}`),
        404,
        'NotFound',
        `pipeline run ${c.seq} does not exist`,
      );
    });

    it('streams a long list as one valid JSON document', async () => {
      const { org, admin } = await workspace();
      const p = await createPipeline(server, admin);
      // Past several storage batches (500) and several 64 KiB write chunks.
      const n = 1300;
      for (let i = 0; i < n; i++)
        await insertRun(server, { orgId: org.id, pipelineId: p.uuid, workflowId: p.workflow, status: 'COMPLETED' });
      const res = await call(admin, 'GET', '/v1/pipelines/runs');
      expect(res.headers.get('content-length')).toBeNull();
      const { runs } = await jsonOf<{ runs: RunBody[] }>(res);
      expect(runs).toHaveLength(n);
      expect(runs.every((r, i) => i === 0 || r.id < runs[i - 1]!.id)).toBe(true);
    }, 60_000); // 1,300 single-row inserts take a few seconds on a real Postgres
  });

  describe('GET /v1/pipelines/runs/{id}', () => {
    it('404 for a run that does not exist or is not visible; 400 for a bad id', async () => {
      const { org, admin } = await workspace();
      const p = await createPipeline(server, admin);
      const run = await insertRun(server, {
        orgId: org.id,
        pipelineId: p.uuid,
        workflowId: p.workflow,
        status: 'COMPLETED',
      });
      expect((await jsonOf<RunBody>(await call(admin, 'GET', `/v1/pipelines/runs/${run.seq}`))).id).toBe(run.seq);
      await expectError(
        await call(admin, 'GET', '/v1/pipelines/runs/2147483647'),
        404,
        'NotFound',
        'pipeline run 2147483647 does not exist',
      );
      const outside = await workspace();
      await expectError(
        await call(outside.admin, 'GET', `/v1/pipelines/runs/${run.seq}`),
        404,
        'NotFound',
        `pipeline run ${run.seq} does not exist`,
      );
      for (const bad of ['abc', '0', '2147483648'])
        await expectError(
          await call(admin, 'GET', `/v1/pipelines/runs/${bad}`),
          400,
          'BadRequest',
          `identifier "${bad}" is not a valid pipeline run identifier`,
        );
    });
  });
});
