import type { Run, Scheduler } from '@pipewright/core';
import { TYPES } from '@pipewright/server';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  api,
  call,
  cast,
  createPipeline,
  createWorkflow,
  intId,
  serviceActor,
  settleRun,
  type Cast,
} from './unstract-support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Unstract's names for core run statuses, to check rows against whatever the run ended as. */
const LAST_RUN_STATUS: Record<string, string> = {
  COMPLETED: 'SUCCESS',
  ERROR: 'FAILURE',
  STOPPED: 'FAILURE',
  PENDING: 'INPROGRESS',
  EXECUTING: 'INPROGRESS',
};

describe('unstract pipelines', () => {
  let server: TestServer;
  let who: Cast;
  let base: string;
  beforeAll(async () => {
    // Unstract's default minimum schedule interval (30 minutes).
    server = await startTestServer({ config: { minScheduleIntervalSeconds: 1800 } });
    who = await cast(server);
    base = api(server.org.slug);
  });
  afterAll(async () => {
    await server.close();
  });

  const runOnce = async (pipelineId: string, outcome: Parameters<typeof settleRun>[3] = { status: 'COMPLETED' }) => {
    const run = await server.core.runs.trigger(serviceActor(server), pipelineId);
    await settleRun(server.core, serviceActor(server), run.id, outcome);
    return run.id;
  };

  describe('POST pipeline/', () => {
    it('creates an active pipeline owned by the caller, unscheduled without cron_string, with an API key', async () => {
      const wf = await createWorkflow(server, who.owner, 'create-wf');
      const r = await call(server, 'POST', `${base}/pipeline/`, {
        as: who.owner,
        json: { pipeline_name: 'create-1', workflow: wf.id, pipeline_type: 'ETL', active: false },
      });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({
        pipeline_name: 'create-1',
        workflow: wf.id,
        workflow_id: wf.id,
        workflow_name: 'create-wf',
        pipeline_type: 'ETL',
        active: true,
        scheduled: false,
        cron_string: null,
        next_run_time: null,
        run_count: 0,
        last_run_time: null,
        last_run_status: 'YET_TO_START',
        last_5_run_statuses: [],
        is_owner: true,
        created_by: await intId(server, who.owner),
        created_by_email: who.owner.email,
        shared_to_org: false,
        shared_users: [],
        source_name: 'Connector not configured.',
        destination_name: 'Connector not configured.',
        api_endpoint: `deployment/pipeline/api/${server.org.slug}/${r.body.id}/`,
      });
      expect(typeof r.body.created_at).toBe('string');
      expect(typeof r.body.modified_at).toBe('string');
      const keys = await call(server, 'GET', `${base}/api/keys/pipeline/${r.body.id}/`, { as: who.owner });
      expect(keys.body).toHaveLength(1);
      expect(keys.body[0]).toMatchObject({
        is_active: true,
        description: 'API Key for create-1',
        pipeline: r.body.id,
        api: null,
      });
    });

    it('is scheduled exactly when cron_string is given, with the next run time', async () => {
      const p = await createPipeline(server, who.owner, 'create-cron', { cron_string: '15 */2 * * *' });
      expect(p).toMatchObject({ scheduled: true, cron_string: '15 */2 * * *' });
      const next = new Date((p as unknown as { next_run_time: string }).next_run_time);
      expect(next.getTime()).toBeGreaterThan(Date.now());
      expect(next.getUTCMinutes()).toBe(15);
      const empty = await createPipeline(server, who.owner, 'create-empty-cron', { cron_string: '' });
      expect(empty).toMatchObject({ scheduled: false, cron_string: null });
    });

    it('requires pipeline_name and workflow', async () => {
      const r = await call(server, 'POST', `${base}/pipeline/`, { as: who.owner, json: {} });
      expect(r.status).toBe(400);
      expect(r.body).toEqual({
        type: 'validation_error',
        errors: [
          { code: 'required', detail: 'This field is required.', attr: 'pipeline_name' },
          { code: 'required', detail: 'This field is required.', attr: 'workflow' },
        ],
      });
    });

    it('rejects a duplicate name on pipeline_name', async () => {
      const p = await createPipeline(server, who.owner, 'dup-name');
      const r = await call(server, 'POST', `${base}/pipeline/`, {
        as: who.member,
        json: { pipeline_name: 'dup-name', workflow: (await createWorkflow(server, who.member, 'dup-wf')).id },
      });
      expect(r.status).toBe(400);
      expect(r.body).toEqual({
        type: 'validation_error',
        errors: [
          {
            code: 'unique',
            detail: 'This pipeline name is already in use. Please select a different name.',
            attr: 'pipeline_name',
          },
        ],
      });
      expect(p.pipeline_name).toBe('dup-name');
    });

    it('reports bad fields in Unstract names: length, type, workflow, cron', async () => {
      const wf = await createWorkflow(server, who.owner, 'bad-fields-wf');
      const long = await call(server, 'POST', `${base}/pipeline/`, {
        as: who.owner,
        json: { pipeline_name: 'x'.repeat(33), workflow: wf.id },
      });
      expect(long.body.errors).toEqual([
        { code: 'max_length', detail: 'Ensure this field has no more than 32 characters.', attr: 'pipeline_name' },
      ]);
      const type = await call(server, 'POST', `${base}/pipeline/`, {
        as: who.owner,
        json: { pipeline_name: 'bad-type', workflow: wf.id, pipeline_type: 'NOPE' },
      });
      expect(type.body.errors).toEqual([
        { code: 'invalid_choice', detail: '"NOPE" is not a valid choice.', attr: 'pipeline_type' },
      ]);
      const missing = await call(server, 'POST', `${base}/pipeline/`, {
        as: who.owner,
        json: { pipeline_name: 'bad-wf', workflow: '00000000-0000-4000-8000-000000000000' },
      });
      expect(missing.status).toBe(400);
      expect(missing.body.errors).toEqual([
        {
          code: 'does_not_exist',
          detail: 'Invalid pk "00000000-0000-4000-8000-000000000000" - object does not exist.',
          attr: 'workflow',
        },
      ]);
      // A workflow the caller cannot see does not exist for it either.
      const hidden = await call(server, 'POST', `${base}/pipeline/`, {
        as: who.outsider,
        json: { pipeline_name: 'bad-wf', workflow: wf.id },
      });
      expect(hidden.body.errors[0].attr).toBe('workflow');
      const cron = await call(server, 'POST', `${base}/pipeline/`, {
        as: who.owner,
        json: { pipeline_name: 'bad-cron', workflow: wf.id, cron_string: 'every day' },
      });
      expect(cron.status).toBe(400);
      expect(cron.body.type).toBe('validation_error');
      expect(cron.body.errors[0].attr).toBe('cron_string');
    });

    it('reports a schedule firing more often than the minimum interval on cron_string', async () => {
      const wf = await createWorkflow(server, who.owner, 'min-interval-wf');
      for (const cron_string of ['* * * * *', '*/10 * * * *', '0,15 * * * *']) {
        const r = await call(server, 'POST', `${base}/pipeline/`, {
          as: who.owner,
          json: { pipeline_name: 'too-often', workflow: wf.id, cron_string },
        });
        expect(r.status).toBe(400);
        expect(r.body.errors).toEqual([expect.objectContaining({ attr: 'cron_string', code: 'min_interval' })]);
        expect(r.body.errors[0].detail).toContain('minimum interval is 1800 seconds');
      }
      expect(
        (
          await call(server, 'POST', `${base}/pipeline/`, {
            as: who.owner,
            json: { pipeline_name: 'often-ok', workflow: wf.id, cron_string: '0,30 * * * *' },
          })
        ).status,
      ).toBe(201);
    });
  });

  describe('permissions on pipeline/{id}/', () => {
    let sharedWithUser: { id: string };
    let sharedWithOrg: { id: string };
    beforeAll(async () => {
      sharedWithUser = await createPipeline(server, who.owner, 'perm-user');
      sharedWithOrg = await createPipeline(server, who.owner, 'perm-org');
      expect(
        (
          await call(server, 'POST', `${base}/pipeline/${sharedWithUser.id}/share/`, {
            as: who.owner,
            json: { shared_users: [who.shared.id] },
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await call(server, 'POST', `${base}/pipeline/${sharedWithOrg.id}/share/`, {
            as: who.owner,
            json: { shared_to_org: true },
          })
        ).status,
      ).toBe(200);
    });

    const denied = {
      type: 'client_error',
      errors: [{ code: 'permission_denied', detail: 'You do not have permission to perform this action.', attr: null }],
    };
    const notFound = {
      type: 'client_error',
      errors: [{ code: 'not_found', detail: 'Pipeline not found.', attr: null }],
    };

    it('owner and org admin: read, change, delete', async () => {
      const p = await createPipeline(server, who.owner, 'perm-own');
      const get = await call(server, 'GET', `${base}/pipeline/${p.id}/`, { as: who.owner });
      expect(get.status).toBe(200);
      expect(get.body.is_owner).toBe(true);
      expect(
        (
          await call(server, 'PATCH', `${base}/pipeline/${p.id}/`, {
            as: who.owner,
            json: { pipeline_name: 'perm-own-2' },
          })
        ).status,
      ).toBe(200);
      const asAdmin = await call(server, 'GET', `${base}/pipeline/${p.id}/`, { as: server.admin });
      expect(asAdmin.body.is_owner).toBe(true);
      expect(
        (
          await call(server, 'PATCH', `${base}/pipeline/${p.id}/`, {
            as: server.admin,
            json: { pipeline_name: 'perm-own-3' },
          })
        ).status,
      ).toBe(200);
      expect((await call(server, 'DELETE', `${base}/pipeline/${p.id}/`, { as: who.owner })).status).toBe(204);
    });

    it('shared user: reads, but may not change or delete (403)', async () => {
      const get = await call(server, 'GET', `${base}/pipeline/${sharedWithUser.id}/`, { as: who.shared });
      expect(get.status).toBe(200);
      expect(get.body.is_owner).toBe(false);
      for (const [method, json] of [
        ['PUT', { pipeline_name: 'x', workflow: get.body.workflow }],
        ['PATCH', { pipeline_name: 'x' }],
        ['DELETE', undefined],
      ] as const) {
        const r = await call(server, method, `${base}/pipeline/${sharedWithUser.id}/`, { as: who.shared, json });
        expect([method, r.status, r.body]).toEqual([method, 403, denied]);
      }
    });

    it('org member of an org-shared pipeline: reads, may not change (403)', async () => {
      expect((await call(server, 'GET', `${base}/pipeline/${sharedWithOrg.id}/`, { as: who.member })).status).toBe(200);
      const r = await call(server, 'PATCH', `${base}/pipeline/${sharedWithOrg.id}/`, {
        as: who.member,
        json: { active: false },
      });
      expect(r.status).toBe(403);
      expect(r.body).toEqual(denied);
    });

    it('outsider in the same org: not found (404) for every method', async () => {
      for (const method of ['GET', 'PATCH', 'PUT', 'DELETE']) {
        const r = await call(server, method, `${base}/pipeline/${sharedWithUser.id}/`, {
          as: who.outsider,
          json: method === 'GET' || method === 'DELETE' ? undefined : {},
        });
        expect([method, r.status, r.body]).toEqual([method, 404, notFound]);
      }
      expect((await call(server, 'GET', `${base}/pipeline/not-a-uuid/`, { as: who.owner })).body).toEqual(notFound);
    });

    it('another organization: access denied on this org, not found through its own', async () => {
      const r = await call(server, 'GET', `${base}/pipeline/${sharedWithOrg.id}/`, { as: who.foreign });
      expect(r.status).toBe(403);
      expect(r.body).toEqual({ message: 'Organization access denied' });
      const own = await call(server, 'GET', `${api(who.foreignSlug)}/pipeline/${sharedWithOrg.id}/`, {
        as: who.foreign,
      });
      expect(own.status).toBe(404);
      expect(own.body).toEqual(notFound);
    });

    it('lists only what each principal may see', async () => {
      const names = async (as: typeof who.owner) =>
        (
          (await call(server, 'GET', `${base}/pipeline/?search=perm-&page_size=100`, { as })).body.results as {
            pipeline_name: string;
          }[]
        )
          .map((p) => p.pipeline_name)
          .sort();
      expect(await names(who.owner)).toEqual(expect.arrayContaining(['perm-org', 'perm-user']));
      expect(await names(who.shared)).toEqual(['perm-org', 'perm-user']);
      expect(await names(who.member)).toEqual(['perm-org']);
      const outsider = await names(who.outsider);
      expect(outsider).toEqual(['perm-org']);
      expect((await call(server, 'GET', `${api(who.foreignSlug)}/pipeline/`, { as: who.foreign })).body.count).toBe(0);
    });
  });

  describe('GET pipeline/ order, filters and pages', () => {
    let ids: string[];
    let wfId: string;
    beforeAll(async () => {
      wfId = (await createWorkflow(server, who.outsider, 'order-wf')).id;
      ids = [];
      for (const [i, type] of (['ETL', 'TASK', 'ETL', 'DEFAULT'] as const).entries()) {
        ids.push(
          (await createPipeline(server, who.outsider, `order-${i}`, { workflow: wfId, pipeline_type: type })).id,
        );
        await sleep(5);
      }
      // order-1 ran first, order-3 last; order-0 and order-2 never ran.
      await runOnce(ids[1]!);
      await sleep(5);
      await runOnce(ids[3]!);
    });
    const list = (query: string) => call(server, 'GET', `${base}/pipeline/?${query}`, { as: who.outsider });

    it('orders by last run time (never-run last), then newest created', async () => {
      const r = await list(`workflow=${wfId}`);
      expect(r.body.results.map((p: { pipeline_name: string }) => p.pipeline_name)).toEqual([
        'order-3',
        'order-1',
        'order-2',
        'order-0',
      ]);
      expect(r.body.results[0].last_run_time).not.toBeNull();
      expect(r.body.results[3].last_run_time).toBeNull();
    });

    it('filters by type, workflow, search and exact pipeline_name', async () => {
      const names = async (q: string) =>
        (await list(q)).body.results.map((p: { pipeline_name: string }) => p.pipeline_name).sort();
      expect(await names(`workflow=${wfId}&type=ETL`)).toEqual(['order-0', 'order-2']);
      expect(await names('search=ORDER-')).toEqual(['order-0', 'order-1', 'order-2', 'order-3']);
      expect(await names('pipeline_name=order-2')).toEqual(['order-2']);
      expect(await names('pipeline_name=order')).toEqual([]);
      const bad = await list('workflow=nope');
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].attr).toBe('workflow');
    });

    it('sorts by ?ordering= and ignores unknown fields', async () => {
      const names = async (q: string) =>
        (await list(`workflow=${wfId}&${q}`)).body.results.map((p: { pipeline_name: string }) => p.pipeline_name);
      expect(await names('ordering=pipeline_name')).toEqual(['order-0', 'order-1', 'order-2', 'order-3']);
      expect(await names('ordering=-pipeline_name')).toEqual(['order-3', 'order-2', 'order-1', 'order-0']);
      expect((await names('ordering=-run_count,pipeline_name')).slice(0, 2)).toEqual(['order-1', 'order-3']);
      expect(await names('ordering=bogus')).toEqual(['order-3', 'order-1', 'order-2', 'order-0']);
    });

    it('paginates with absolute next and previous links', async () => {
      const first = await list(`workflow=${wfId}&page_size=3`);
      expect(first.body).toMatchObject({
        count: 4,
        previous: null,
        next: `${server.baseUrl}${base}/pipeline/?page=2&page_size=3&workflow=${wfId}`,
      });
      expect(first.body.results).toHaveLength(3);
      const second = await call(server, 'GET', first.body.next.slice(server.baseUrl.length), { as: who.outsider });
      expect(second.body).toMatchObject({
        count: 4,
        next: null,
        previous: `${server.baseUrl}${base}/pipeline/?page_size=3&workflow=${wfId}`,
      });
      expect(second.body.results).toHaveLength(1);
      const third = await list(`workflow=${wfId}&page_size=1&page=3`);
      expect(third.body.previous).toBe(`${server.baseUrl}${base}/pipeline/?page=2&page_size=1&workflow=${wfId}`);
      expect(third.body.next).toBe(`${server.baseUrl}${base}/pipeline/?page=4&page_size=1&workflow=${wfId}`);
    });

    it('defaults to 50 per page, clamps page_size to 1000, and answers a page past the end with "Invalid page."', async () => {
      expect((await list(`workflow=${wfId}&page_size=0`)).body.results).toHaveLength(4);
      expect((await list(`workflow=${wfId}&page_size=5000`)).status).toBe(200);
      const invalid = { type: 'client_error', errors: [{ code: 'not_found', detail: 'Invalid page.', attr: null }] };
      for (const q of ['page=3&page_size=2', 'page=0', 'page=abc']) {
        const r = await list(`workflow=${wfId}&${q}`);
        expect([q, r.status, r.body]).toEqual([q, 404, invalid]);
      }
      // An empty first page is fine.
      expect((await list('pipeline_name=none-such')).body).toEqual({
        count: 0,
        next: null,
        previous: null,
        results: [],
      });
    });

    it('shows the last five runs, oldest first, and the last run status', async () => {
      const p = await createPipeline(server, who.outsider, 'last-five', { workflow: wfId });
      const runIds: string[] = [];
      for (let i = 0; i < 6; i++) {
        runIds.push(
          await runOnce(
            p.id,
            i === 4
              ? { status: 'ERROR', error: 'boom' }
              : { status: 'COMPLETED', files: { total: 2, ok: 1, failed: 1 } },
          ),
        );
        await sleep(2);
      }
      const r = await list('pipeline_name=last-five');
      const row = r.body.results[0];
      expect(row.run_count).toBe(6);
      expect(row.last_5_run_statuses.map((s: { execution_id: string }) => s.execution_id)).toEqual(runIds.slice(1));
      const runs: Run[] = await Promise.all(
        runIds.slice(1).map((id) => server.core.runs.get(serviceActor(server), id)),
      );
      row.last_5_run_statuses.forEach((s: Record<string, unknown>, i: number) => {
        const run = runs[i]!;
        const partial = run.status === 'COMPLETED' && run.files.ok > 0 && run.files.failed > 0;
        expect(s).toEqual({
          execution_id: run.id,
          status: partial ? 'PARTIAL_SUCCESS' : run.status,
          timestamp: run.createdAt.toISOString(),
          successful_files: run.files.ok,
          failed_files: run.files.failed,
        });
      });
      expect(row.last_run_status).toBe(LAST_RUN_STATUS[runs[4]!.status]);
      expect(row.last_run_time).toBe(runs[4]!.createdAt.toISOString());
    });
  });

  describe('PUT/PATCH/DELETE pipeline/{id}/', () => {
    it('PUT needs the required fields and reschedules', async () => {
      const p = await createPipeline(server, who.owner, 'put-1');
      const partial = await call(server, 'PUT', `${base}/pipeline/${p.id}/`, {
        as: who.owner,
        json: { pipeline_name: 'put-1b' },
      });
      expect(partial.status).toBe(400);
      expect(partial.body.errors).toEqual([{ code: 'required', detail: 'This field is required.', attr: 'workflow' }]);
      const r = await call(server, 'PUT', `${base}/pipeline/${p.id}/`, {
        as: who.owner,
        json: { pipeline_name: 'put-1b', workflow: p.workflow, cron_string: '0 3 * * *' },
      });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        pipeline_name: 'put-1b',
        scheduled: true,
        cron_string: '0 3 * * *',
        active: true,
      });
      expect(new Date(r.body.next_run_time).getUTCHours()).toBe(3);
      // PUT/PATCH answers do not carry the workflow names (as Unstract's update serializer).
      expect(r.body.workflow_name).toBeUndefined();
      const off = await call(server, 'PATCH', `${base}/pipeline/${p.id}/`, { as: who.owner, json: { active: false } });
      expect(off.body).toMatchObject({ active: false, scheduled: true, next_run_time: null });
      const cleared = await call(server, 'PATCH', `${base}/pipeline/${p.id}/`, {
        as: who.owner,
        json: { active: true, cron_string: null },
      });
      expect(cleared.body).toMatchObject({ active: true, scheduled: false, cron_string: null, next_run_time: null });
    });

    it('PATCH changes only what it is given; cron rules and duplicates report on Unstract fields', async () => {
      const p = await createPipeline(server, who.owner, 'patch-1', { cron_string: '0 * * * *', pipeline_type: 'TASK' });
      const r = await call(server, 'PATCH', `${base}/pipeline/${p.id}/`, {
        as: who.owner,
        json: { pipeline_name: 'patch-1b' },
      });
      expect(r.body).toMatchObject({
        pipeline_name: 'patch-1b',
        cron_string: '0 * * * *',
        pipeline_type: 'TASK',
        scheduled: true,
      });
      const often = await call(server, 'PATCH', `${base}/pipeline/${p.id}/`, {
        as: who.owner,
        json: { cron_string: '*/5 * * * *' },
      });
      expect(often.body.errors[0]).toMatchObject({ attr: 'cron_string', code: 'min_interval' });
      await createPipeline(server, who.owner, 'patch-taken');
      const dup = await call(server, 'PATCH', `${base}/pipeline/${p.id}/`, {
        as: who.owner,
        json: { pipeline_name: 'patch-taken' },
      });
      expect(dup.body.errors).toEqual([
        {
          code: 'unique',
          detail: 'This pipeline name is already in use. Please select a different name.',
          attr: 'pipeline_name',
        },
      ]);
      const blank = await call(server, 'PATCH', `${base}/pipeline/${p.id}/`, {
        as: who.owner,
        json: { pipeline_name: '' },
      });
      expect(blank.body.errors).toEqual([
        { code: 'blank', detail: 'This field may not be blank.', attr: 'pipeline_name' },
      ]);
    });

    it('keeps a schedule set elsewhere when the same cron_string comes back', async () => {
      const p = await createPipeline(server, who.owner, 'keep-tz');
      await server.core.pipelines.setSchedule(serviceActor(server), p.id, {
        cron: '0 9 * * *',
        timezone: 'Europe/Rome',
      });
      await call(server, 'PATCH', `${base}/pipeline/${p.id}/`, {
        as: who.owner,
        json: { cron_string: '0 9 * * *', pipeline_name: 'keep-tz2' },
      });
      expect((await server.core.pipelines.get(serviceActor(server), p.id)).schedule?.timezone).toBe('Europe/Rome');
    });

    it('PATCH with shared_users/shared_to_org shares (the pre-June-2026 way)', async () => {
      const p = await createPipeline(server, who.owner, 'patch-share');
      const r = await call(server, 'PATCH', `${base}/pipeline/${p.id}/`, {
        as: who.owner,
        json: { shared_users: [who.shared.id] },
      });
      // A UUID is still accepted on input; users show by int id.
      expect(r.body.shared_users).toEqual([await intId(server, who.shared)]);
      expect((await call(server, 'GET', `${base}/pipeline/${p.id}/`, { as: who.shared })).status).toBe(200);
    });

    it('DELETE answers 204 and removes the scheduler job; updates reschedule', async () => {
      // Observe the scheduler port (whichever scheduler is wired in).
      const scheduler = server.built.container.get<Scheduler>(TYPES.Scheduler);
      const { sync, unregister } = scheduler;
      const synced: Array<string | null> = [];
      const unregistered: string[] = [];
      scheduler.sync = async (pipeline) => {
        synced.push(pipeline.schedule?.cronString() ?? null);
        return sync.call(scheduler, pipeline);
      };
      scheduler.unregister = async (id) => {
        unregistered.push(id);
        return unregister.call(scheduler, id);
      };
      try {
        const p = await createPipeline(server, who.owner, 'delete-1', { cron_string: '0 0 * * *' });
        await call(server, 'PATCH', `${base}/pipeline/${p.id}/`, {
          as: who.owner,
          json: { cron_string: '0 12 * * *' },
        });
        expect(synced).toEqual(['0 0 * * *', '0 12 * * *']);
        const r = await call(server, 'DELETE', `${base}/pipeline/${p.id}/`, { as: who.owner });
        expect(r.status).toBe(204);
        expect(r.body).toBeNull();
        expect(unregistered).toEqual([p.id]);
        expect((await call(server, 'GET', `${base}/pipeline/${p.id}/`, { as: who.owner })).status).toBe(404);
      } finally {
        scheduler.sync = sync;
        scheduler.unregister = unregister;
      }
    });
  });

  describe('POST pipeline/execute/', () => {
    it('runs the pipeline and returns it with the execution', async () => {
      const p = await createPipeline(server, who.owner, 'exec-1');
      const r = await call(server, 'POST', `${base}/pipeline/execute/`, { as: who.owner, json: { pipeline_id: p.id } });
      expect(r.status).toBe(200);
      expect(r.body.pipeline).toMatchObject({ id: p.id, run_count: 1 });
      expect(['INPROGRESS', 'SUCCESS', 'FAILURE']).toContain(r.body.pipeline.last_run_status);
      expect(r.body.execution).toEqual({
        workflow_id: p.workflow,
        execution_id: expect.any(String),
        execution_status: expect.stringMatching(/^(PENDING|EXECUTING|COMPLETED|ERROR)$/),
        log_id: r.body.execution.execution_id,
        error: null,
        result: null,
      });
      await settleRun(server.core, serviceActor(server), r.body.execution.execution_id);
    });

    it('answers 422 for an inactive pipeline', async () => {
      const p = await createPipeline(server, who.owner, 'exec-off');
      await call(server, 'PATCH', `${base}/pipeline/${p.id}/`, { as: who.owner, json: { active: false } });
      const r = await call(server, 'POST', `${base}/pipeline/execute/`, { as: who.owner, json: { pipeline_id: p.id } });
      expect(r.status).toBe(422);
      expect(r.body).toEqual({
        type: 'client_error',
        errors: [
          { code: 'error', detail: "Pipeline 'exec-off' is inactive, please activate the pipeline", attr: null },
        ],
      });
    });

    it('checks the body and who may run', async () => {
      expect(
        (await call(server, 'POST', `${base}/pipeline/execute/`, { as: who.owner, json: {} })).body.errors,
      ).toEqual([{ code: 'required', detail: 'This field is required.', attr: 'pipeline_id' }]);
      const p = await createPipeline(server, who.owner, 'exec-perm');
      await call(server, 'POST', `${base}/pipeline/${p.id}/share/`, {
        as: who.owner,
        json: { shared_users: [who.shared.id], shared_to_org: true },
      });
      expect(
        (
          await call(server, 'POST', `${base}/pipeline/execute/`, {
            as: who.outsider,
            json: { pipeline_id: '00000000-0000-4000-8000-000000000000' },
          })
        ).status,
      ).toBe(404);
      // Org-wide readers may not run a pipeline; a user it is shared with may.
      const member = await call(server, 'POST', `${base}/pipeline/execute/`, {
        as: who.member,
        json: { pipeline_id: p.id },
      });
      expect(member.status).toBe(403);
      expect(member.body.errors[0].code).toBe('permission_denied');
      const shared = await call(server, 'POST', `${base}/pipeline/execute/`, {
        as: who.shared,
        json: { pipeline_id: p.id },
      });
      expect(shared.status).toBe(200);
      await settleRun(server.core, serviceActor(server), shared.body.execution.execution_id);
    });
  });

  describe('GET pipeline/{id}/executions/', () => {
    let p: { id: string };
    let runIds: string[];
    beforeAll(async () => {
      p = await createPipeline(server, who.owner, 'executions-1');
      await call(server, 'POST', `${base}/pipeline/${p.id}/share/`, {
        as: who.owner,
        json: { shared_users: [who.shared.id] },
      });
      runIds = [];
      for (let i = 0; i < 3; i++) {
        runIds.push(await runOnce(p.id));
        await sleep(5);
      }
    });

    it('lists executions newest first, paginated', async () => {
      const r = await call(server, 'GET', `${base}/pipeline/${p.id}/executions/?page_size=2`, { as: who.owner });
      expect(r.status).toBe(200);
      expect(r.body.count).toBe(3);
      expect(r.body.results.map((e: { id: string }) => e.id)).toEqual([runIds[2], runIds[1]]);
      expect(r.body.next).toBe(`${server.baseUrl}${base}/pipeline/${p.id}/executions/?page=2&page_size=2`);
      expect(r.body.results[0]).toMatchObject({
        id: runIds[2],
        workflow: expect.any(String),
        pipeline_id: p.id,
        execution_mode: 'INSTANT',
        status: expect.stringMatching(/^(COMPLETED|ERROR|STOPPED)$/),
        total_files: expect.any(Number),
      });
    });

    it('filters by start_date and end_date together', async () => {
      const future = new Date(Date.now() + 3_600_000).toISOString();
      const past = new Date(Date.now() - 3_600_000).toISOString();
      const inRange = await call(
        server,
        'GET',
        `${base}/pipeline/${p.id}/executions/?start_date=${past}&end_date=${future}`,
        { as: who.owner },
      );
      expect(inRange.body.count).toBe(3);
      const later = await call(
        server,
        'GET',
        `${base}/pipeline/${p.id}/executions/?start_date=${future}&end_date=${future}`,
        { as: who.owner },
      );
      expect(later.body.count).toBe(0);
      // One bound alone is ignored, as in Unstract.
      expect(
        (await call(server, 'GET', `${base}/pipeline/${p.id}/executions/?start_date=${future}`, { as: who.owner })).body
          .count,
      ).toBe(3);
      const bad = await call(server, 'GET', `${base}/pipeline/${p.id}/executions/?start_date=soon&end_date=${future}`, {
        as: who.owner,
      });
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].attr).toBe('start_date');
    });

    it('is for owners only: 403 for a shared user, 404 for an outsider', async () => {
      expect((await call(server, 'GET', `${base}/pipeline/${p.id}/executions/`, { as: who.shared })).status).toBe(403);
      expect((await call(server, 'GET', `${base}/pipeline/${p.id}/executions/`, { as: who.outsider })).status).toBe(
        404,
      );
      expect((await call(server, 'GET', `${base}/pipeline/${p.id}/executions/`, { as: server.admin })).status).toBe(
        200,
      );
    });
  });

  describe('users/ and share/', () => {
    it('shows and replaces who the pipeline is shared with', async () => {
      const p = await createPipeline(server, who.owner, 'share-1');
      const before = await call(server, 'GET', `${base}/pipeline/${p.id}/users/`, { as: who.owner });
      expect(before.body).toEqual({
        id: p.id,
        pipeline_name: 'share-1',
        shared_users: [],
        shared_to_org: false,
        shared_groups: [],
        co_owners: [{ id: await intId(server, who.owner), email: who.owner.email }],
        created_by: await intId(server, who.owner),
        created_by_email: who.owner.email,
      });
      const [sharedId, memberId] = [await intId(server, who.shared), await intId(server, who.member)];
      const shared = await call(server, 'POST', `${base}/pipeline/${p.id}/share/`, {
        as: who.owner,
        json: { shared_users: [sharedId, memberId] },
      });
      expect(shared.status).toBe(200);
      expect(shared.body.shared_users.map((u: { id: number }) => u.id).sort()).toEqual([sharedId, memberId].sort());
      expect(shared.body.shared_users[0]).toEqual({ id: expect.any(Number), username: expect.any(String) });
      // Replace-style: what is given replaces, what is not is kept.
      const toOrg = await call(server, 'POST', `${base}/pipeline/${p.id}/share/`, {
        as: who.owner,
        json: { shared_to_org: true },
      });
      expect(toOrg.body.shared_to_org).toBe(true);
      expect(toOrg.body.shared_users).toHaveLength(2);
      const fewer = await call(server, 'POST', `${base}/pipeline/${p.id}/share/`, {
        as: who.owner,
        json: { shared_users: [who.shared.id] },
      });
      expect(fewer.body.shared_users.map((u: { id: number }) => u.id)).toEqual([sharedId]);
      // Users the pipeline is shared with can read the sharing, not change it.
      expect((await call(server, 'GET', `${base}/pipeline/${p.id}/users/`, { as: who.shared })).status).toBe(200);
      expect(
        (
          await call(server, 'POST', `${base}/pipeline/${p.id}/share/`, {
            as: who.shared,
            json: { shared_to_org: false },
          })
        ).status,
      ).toBe(403);
      expect((await call(server, 'GET', `${base}/pipeline/${p.id}/users/`, { as: who.foreign })).status).toBe(403);
    });

    it('refuses to share with someone outside the organization', async () => {
      const p = await createPipeline(server, who.owner, 'share-2');
      const r = await call(server, 'POST', `${base}/pipeline/${p.id}/share/`, {
        as: who.owner,
        json: { shared_users: [who.foreign.id] },
      });
      expect(r.status).toBe(400);
      expect(r.body.errors[0].attr).toBe('shared_users');
    });
  });

  it('OPTIONS pipeline/ describes the writable fields from the DTO', async () => {
    const r = await call(server, 'OPTIONS', `${base}/pipeline/`, { as: who.member });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      name: 'Pipeline List',
      renders: ['application/json'],
      parses: ['application/json'],
    });
    expect(typeof r.body.description).toBe('string');
    const post = r.body.actions.POST;
    expect(Object.keys(post).sort()).toEqual(['active', 'cron_string', 'pipeline_name', 'pipeline_type', 'workflow']);
    expect(post.pipeline_name).toEqual({
      type: 'string',
      required: true,
      read_only: false,
      label: 'Pipeline name',
      max_length: 32,
    });
    expect(post.workflow).toMatchObject({ type: 'field', required: true, read_only: false, label: 'Workflow' });
    expect(post.pipeline_type).toMatchObject({
      type: 'choice',
      required: false,
      read_only: false,
      label: 'Pipeline type',
    });
    expect(post.pipeline_type.choices.map((c: { value: string }) => c.value)).toEqual([
      'ETL',
      'TASK',
      'DEFAULT',
      'APP',
    ]);
    expect(post.active).toEqual({ type: 'boolean', required: false, read_only: false, label: 'Active' });
    expect((await call(server, 'OPTIONS', `${base}/pipeline/`, { as: null })).status).toBe(401);
  });
});
