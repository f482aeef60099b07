import { randomUUID } from 'node:crypto';
import type { Pipeline, Run } from '@pipewright/core';
import { startTestServer, type TestServer, type TestUser } from '../support/test-server.js';
import { at, call, fixtureWorkflow, get, seedPipeline, seedRun } from './zenml-support.js';

// Runs are written straight into storage in each status (no engine needed): these tests do
// not depend on runs being executed.
describe('zenml: runs', () => {
  let server: TestServer;
  let admin: TestUser;
  let alice: TestUser;
  let bob: TestUser;
  let workflowId: string;
  let p1: Pipeline;
  let p2: Pipeline;
  let p3: Pipeline;
  const runs: Record<string, Run> = {};

  beforeAll(async () => {
    server = await startTestServer();
    const org = await server.organization('zr');
    admin = org.admin;
    alice = await server.user({ orgSlug: 'zr', email: 'alice@zr.test' });
    bob = await server.user({ orgSlug: 'zr', email: 'bob@zr.test' });
    workflowId = await fixtureWorkflow(server, admin);
    const seed = (name: string, owner: TestUser) =>
      seedPipeline(server, { owner: owner.actor, workflowId, name, createdAt: at('2024-06-01T00:00:00Z') });
    p1 = await seed('first', alice);
    p2 = await seed('second', alice);
    p3 = await seed('third', bob);
    runs.completed = await seedRun(server, {
      pipelineId: p1.id,
      status: 'COMPLETED',
      at: at('2024-06-02T00:00:00Z'),
      by: alice.id,
    });
    runs.failed = await seedRun(server, {
      pipelineId: p1.id,
      status: 'ERROR',
      at: at('2024-06-03T00:00:00Z'),
      by: bob.id,
    });
    runs.stopped = await seedRun(server, { pipelineId: p1.id, status: 'STOPPED', at: at('2024-06-04T00:00:00Z') });
    runs.initializing = await seedRun(server, {
      pipelineId: p1.id,
      status: 'PENDING',
      at: at('2024-06-05T00:00:00Z'),
      by: alice.id,
    });
    runs.running = await seedRun(server, {
      pipelineId: p2.id,
      status: 'EXECUTING',
      at: at('2024-06-06T00:00:00Z'),
      by: alice.id,
    });
    runs.stopping = await seedRun(server, {
      pipelineId: p3.id,
      status: 'STOPPING',
      at: at('2024-06-07T00:00:00Z'),
      by: bob.id,
    });
  });
  afterAll(async () => {
    await server.close();
  });

  const page = (qs: string, token = admin.token) => get(server, `/api/v1/runs?${qs}`, token);
  /** The runs listed, by their key in `runs`. */
  const listed = async (qs: string) => {
    const ids = (await page(qs)).items.map((i: { id: string }) => i.id);
    return ids.map((id: string) => Object.keys(runs).find((k) => runs[k]!.id === id) ?? id);
  };
  const ALL = ['completed', 'failed', 'stopped', 'initializing', 'running', 'stopping'];

  it('maps every core status to ZenML’s name and renders body.index, created, updated and resources.user', async () => {
    const items = (await page('')).items;
    expect(items.map((i: { body: { status: string } }) => i.body.status)).toEqual(ALL);
    expect(items.map((i: { body: { index: number } }) => i.body.index)).toEqual([1, 2, 3, 4, 1, 1]);
    expect(items[0]).toMatchObject({
      id: runs.completed!.id,
      name: 'first-1',
      permission_denied: false,
      body: {
        created: '2024-06-02T00:00:00.000Z',
        updated: '2024-06-02T00:00:01.000Z',
        user_id: alice.id,
        project_id: p1.orgId,
        pipeline_id: p1.id,
        in_progress: false,
        status_reason: null,
      },
      metadata: null,
      resources: { user: { id: alice.id, name: alice.email, body: { full_name: 'alice' }, metadata: null } },
    });
    expect(items[1].body).toMatchObject({ status: 'failed', status_reason: 'boom' });
    expect(items[2].resources.user).toBeNull();
    expect(items[3].body).toMatchObject({
      status: 'initializing',
      in_progress: true,
      updated: '2024-06-05T00:00:00.000Z',
    });
  });

  it('a pipeline shows its latest run', async () => {
    const p = await get(server, `/api/v1/pipelines/${p1.id}`, admin.token);
    expect(p.resources).toMatchObject({
      latest_run_id: runs.initializing!.id,
      latest_run_status: 'initializing',
      latest_run_user: { id: alice.id },
    });
  });

  describe('filters', () => {
    it.each([
      ['status=running', ['running']],
      ['status=equals:completed', ['completed']],
      ['status=notequals:completed', ['failed', 'stopped', 'initializing', 'running', 'stopping']],
      ['status=contains:ing', ['initializing', 'running', 'stopping']],
      ['status=startswith:stop', ['stopped', 'stopping']],
      ['status=endswith:ed', ['completed', 'failed', 'stopped']],
      ['status=notcontains:ing', ['completed', 'failed', 'stopped']],
      [`status=${encodeURIComponent('oneof:["failed","stopped"]')}`, ['failed', 'stopped']],
      [
        `status=${encodeURIComponent('notoneof:["failed","stopped"]')}`,
        ['completed', 'initializing', 'running', 'stopping'],
      ],
      ['status=queued', []],
      ['status=isempty:', []],
      ['status=isnotempty:', ALL],
      ['status=running&status=stopping&logical_operator=or', ['running', 'stopping']],
      ['status=running&status=stopping', []],
    ])('%s', async (qs, expected) => {
      expect(await listed(qs)).toEqual(expected);
    });

    it('pipeline_id (uuid) and user (the starter’s id)', async () => {
      expect(await listed(`pipeline_id=${p1.id}`)).toEqual(['completed', 'failed', 'stopped', 'initializing']);
      expect(await listed(`pipeline_id=notequals:${p1.id}`)).toEqual(['running', 'stopping']);
      expect(await listed(`pipeline_id=${encodeURIComponent(`oneof:["${p2.id}","${p3.id}"]`)}`)).toEqual([
        'running',
        'stopping',
      ]);
      expect(await listed(`user=${bob.id}`)).toEqual(['failed', 'stopping']);
      expect(await listed('user=isempty:')).toEqual(['stopped']);
    });

    it.each([
      ['index=1', ['completed', 'running', 'stopping']],
      ['index=equals:2', ['failed']],
      ['index=notequals:1', ['failed', 'stopped', 'initializing']],
      ['index=gt:2', ['stopped', 'initializing']],
      ['index=gte:2', ['failed', 'stopped', 'initializing']],
      ['index=lt:2', ['completed', 'running', 'stopping']],
      ['index=lte:3', ['completed', 'failed', 'stopped', 'running', 'stopping']],
      ['index=isnotempty:', ALL],
      ['index=isempty:', []],
      ['index=gte:2&index=lt:4', ['failed', 'stopped']],
    ])('int field: %s', async (qs, expected) => {
      expect(await listed(qs)).toEqual(expected);
    });

    it.each([
      ['created=gte:2024-06-05 00:00:00', ['initializing', 'running', 'stopping']],
      [`created=${encodeURIComponent('in:2024-06-03 00:00:00,2024-06-04 00:00:00')}`, ['failed', 'stopped']],
      ['created=2024-06-06T00:00:00Z', ['running']],
      ['updated=gt:2024-06-05 00:00:00', ['running', 'stopping']],
      ['start_time=isempty:', ['initializing']],
      ['end_time=isnotempty:', ['completed', 'failed', 'stopped']],
      ['end_time=lte:2024-06-03 00:00:01', ['completed', 'failed']],
    ])('datetime field: %s', async (qs, expected) => {
      expect(await listed(qs)).toEqual(expected);
    });

    it.each([
      ['index=abc', "invalid literal for int() with base 10: 'abc'"],
      [
        'index=contains:1',
        "This datatype can not be filtered using this operation: 'contains'. The allowed operations are: ['equals', 'notequals', 'isempty', 'isnotempty', 'gt', 'gte', 'lt', 'lte']",
      ],
      [`index=${encodeURIComponent('oneof:[1,2]')}`, "can not be filtered using this operation: 'oneof'"],
      ['status=gt:1', "can not be filtered using this operation: 'gt'"],
      [
        'start_time=lt:yesterday',
        'The datetime filter only works with values in the following format: %Y-%m-%d %H:%M:%S',
      ],
    ])('%s is 422 in the filter model’s shape', async (qs, message) => {
      const res = await call(server, `/api/v1/runs?${qs}`, { auth: admin.token });
      expect(res.status).toBe(422);
      expect(res.body.detail[0]).toBe('ValueError');
      expect(res.body.detail[1]).toMatch(/^1 validation error for PipelineRunFilter\n/);
      expect(res.body.detail[1]).toContain(message);
    });
  });

  describe('sort and pages', () => {
    it('created ascending by default; desc:created; index; desc:updated; status', async () => {
      expect(await listed('sort_by=desc:created')).toEqual([...ALL].reverse());
      expect((await listed('sort_by=index')).slice(0, 3).sort()).toEqual(['completed', 'running', 'stopping']);
      const updated = (await page('sort_by=desc:updated')).items.map(
        (i: { body: { updated: string } }) => i.body.updated,
      );
      expect(updated).toEqual([...updated].sort().reverse());
      const asc = await listed('sort_by=status');
      expect(await listed('sort_by=desc:status')).toEqual([...asc].reverse());
    });

    it('an unsupported sort column is 422; a page past the end 400', async () => {
      const bad = await call(server, '/api/v1/runs?sort_by=desc:name', { auth: admin.token });
      expect(bad).toMatchObject({
        status: 422,
        body: { detail: ['ValueError', expect.stringContaining('You can only sort by valid fields of this resource')] },
      });
      const past = await call(server, '/api/v1/runs?size=4&page=3', { auth: admin.token });
      expect(past).toMatchObject({
        status: 400,
        body: {
          detail: [
            'ValueError',
            'Invalid page 3. The requested page size is 4 and there are a total of 6 items for this query. The maximum page value therefore is 2.',
          ],
        },
      });
      expect(await page('size=4&page=2')).toMatchObject({ index: 2, max_size: 4, total_pages: 2, total: 6 });
    });
  });

  it('GET /api/v1/pipelines/{id}/runs lists one pipeline’s runs with the same filters', async () => {
    const res = await get(
      server,
      `/api/v1/pipelines/${p1.id}/runs?status=contains:ed&sort_by=desc:created`,
      admin.token,
    );
    expect(res.items.map((i: { body: { status: string } }) => i.body.status)).toEqual([
      'stopped',
      'failed',
      'completed',
    ]);
    expect((await call(server, `/api/v1/pipelines/${randomUUID()}/runs`, { auth: admin.token })).status).toBe(404);
  });

  it('GET /api/v1/runs/{id} is hydrated by default', async () => {
    const run = await get(server, `/api/v1/runs/${runs.failed!.id}`, admin.token);
    expect(run).toMatchObject({
      id: runs.failed!.id,
      name: 'first-2',
      body: { status: 'failed', index: 2 },
      metadata: { start_time: '2024-06-03T00:00:00.000Z', end_time: '2024-06-03T00:00:01.000Z', trigger: 'api' },
      resources: { user: { id: bob.id } },
    });
    expect((await get(server, `/api/v1/runs/${runs.failed!.id}?hydrate=false`, admin.token)).metadata).toBeNull();
    expect(await call(server, '/api/v1/runs/nope', { auth: admin.token })).toMatchObject({
      status: 422,
      body: [
        'ValueError',
        "[{'type': 'uuid_parsing', 'loc': ('path', 'run_id'), 'msg': 'Input should be a valid UUID', 'input': 'nope'}]",
      ],
    });
    const unknown = randomUUID();
    expect(await call(server, `/api/v1/runs/${unknown}`, { auth: admin.token })).toMatchObject({
      status: 404,
      body: {
        detail: ['KeyError', `'Unable to get pipeline run with ID ${unknown}: No pipeline run with this ID found.'`],
      },
    });
  });

  it('members see the runs of pipelines they can see', async () => {
    expect((await page('', bob.token)).items.map((i: { body: { status: string } }) => i.body.status)).toEqual([
      'stopping',
    ]);
    expect((await call(server, `/api/v1/runs/${runs.completed!.id}`, { auth: bob.token })).status).toBe(404);
  });

  describe('POST /api/v1/runs/{id}/stop', () => {
    it('stops a pending run at once and a running one via stopping; answers null', async () => {
      const p = await seedPipeline(server, {
        owner: alice.actor,
        workflowId,
        name: 'stoppable',
        createdAt: at('2024-07-01T00:00:00Z'),
      });
      const pending = await seedRun(server, {
        pipelineId: p.id,
        status: 'PENDING',
        at: at('2024-07-02T00:00:00Z'),
        by: alice.id,
      });
      const res = await server.fetch(`/api/v1/runs/${pending.id}/stop`, { method: 'POST', auth: alice.token });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('null');
      expect((await get(server, `/api/v1/runs/${pending.id}`, alice.token)).body).toMatchObject({
        status: 'stopped',
        in_progress: false,
      });

      const running = await seedRun(server, {
        pipelineId: p.id,
        status: 'EXECUTING',
        at: at('2024-07-03T00:00:00Z'),
        by: alice.id,
      });
      expect(
        (await call(server, `/api/v1/runs/${running.id}/stop`, { method: 'POST', auth: alice.token })).status,
      ).toBe(200);
      expect((await get(server, `/api/v1/runs/${running.id}`, alice.token)).body).toMatchObject({
        status: 'stopping',
        in_progress: true,
      });
    });

    it('a finished run cannot be stopped (400); others’ runs need rights', async () => {
      const done = await call(server, `/api/v1/runs/${runs.completed!.id}/stop`, { method: 'POST', auth: admin.token });
      expect(done).toMatchObject({ status: 400, body: { detail: ['IllegalOperationError', expect.any(String)] } });
      expect(
        (await call(server, `/api/v1/runs/${runs.running!.id}/stop`, { method: 'POST', auth: bob.token })).status,
      ).toBe(404);
      expect((await call(server, `/api/v1/runs/${runs.running!.id}/stop`, { method: 'POST' })).status).toBe(401);
    });
  });
});
