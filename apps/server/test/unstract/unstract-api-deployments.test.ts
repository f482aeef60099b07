import type { Executor } from '@pipewright/core';
import { TYPES } from '@pipewright/server';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { api, call, cast, createWorkflow, serviceActor, settleRun, type Cast } from './unstract-support.js';

/** `api/deployment/` and the public `/deployment/api/{org}/{api_name}/` (what APIDeploymentsClient calls). */
describe('unstract API deployments', () => {
  let server: TestServer;
  let who: Cast;
  let base: string;
  let n = 0;
  beforeAll(async () => {
    server = await startTestServer();
    who = await cast(server);
    base = api(server.org.slug);
  });
  afterAll(async () => {
    await server.close();
  });

  const deployable = (name: string) =>
    createWorkflow(server, who.owner, name, {
      source_settings: { connector: 'upload', settings: {} },
      destination_settings: { connector: 'none', settings: {} },
    });
  async function deploy(extra: Record<string, unknown> = {}) {
    const wf = await deployable(`dep-wf-${++n}`);
    const r = await call(server, 'POST', `${base}/api/deployment/`, {
      as: who.owner,
      json: { workflow: wf.id, api_name: `api_${n}`, display_name: `API ${n}`, ...extra },
    });
    if (r.status !== 201) throw new Error(`deploy: ${r.status} ${JSON.stringify(r.body)}`);
    return { wf, body: r.body as { id: string; api_key: string; api_name: string; api_endpoint: string } };
  }
  /** Runs stay PENDING (the executor does not take them), so each test drives how they end. */
  async function holdingRuns(work: () => Promise<void>): Promise<void> {
    const executor = server.built.container.get<Executor>(TYPES.Executor);
    const submit = executor.submit;
    executor.submit = async () => undefined;
    try {
      await work();
    } finally {
      executor.submit = submit;
    }
  }
  const post = (
    path: string,
    key: string | undefined,
    files: string[] = ['a.json'],
    fields: Record<string, string> = {},
  ) => {
    const form = new FormData();
    for (const name of files) form.append('files', new Blob(['[{"a":1}]'], { type: 'application/octet-stream' }), name);
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    return call(server, 'POST', path, { credential: key, as: key ? undefined : null, body: form });
  };

  describe('api/deployment/', () => {
    it('creates a deployment with its first key, in Unstract’s create shape', async () => {
      const wf = await deployable('dep-create');
      const r = await call(server, 'POST', `${base}/api/deployment/`, {
        as: who.owner,
        json: { workflow: wf.id, api_name: 'invoices', display_name: 'Invoices' },
      });
      expect(r.status).toBe(201);
      expect(r.body).toEqual({
        is_active: 'True',
        id: expect.any(String),
        api_key: expect.stringMatching(/^[0-9a-f-]{36}$/),
        api_endpoint: `deployment/api/${server.org.slug}/invoices/`,
        display_name: 'Invoices',
        description: '',
        api_name: 'invoices',
      });
      const keys = await call(server, 'GET', `${base}/api/keys/api/${r.body.id}/`, { as: who.owner });
      expect(keys.body).toEqual([
        expect.objectContaining({
          api_key: r.body.api_key,
          is_active: true,
          description: 'API Key for invoices',
          api: r.body.id,
          pipeline: null,
        }),
      ]);
      const got = await call(server, 'GET', `${base}/api/deployment/${r.body.id}/`, { as: who.owner });
      expect(got.body).toMatchObject({
        id: r.body.id,
        workflow: wf.id,
        api_name: 'invoices',
        display_name: 'Invoices',
        is_active: true,
        shared_users: [],
        shared_to_org: false,
      });
      expect(Number.isInteger(got.body.created_by)).toBe(true);
    });

    it('refuses a taken api_name, a bad one, a second active deployment of a workflow, and a workflow without endpoints', async () => {
      const { wf, body } = await deploy();
      const other = await deployable('dep-other');
      const taken = await call(server, 'POST', `${base}/api/deployment/`, {
        as: who.owner,
        json: { workflow: other.id, api_name: body.api_name },
      });
      expect(taken.status).toBe(400);
      expect(taken.body).toEqual({
        type: 'validation_error',
        errors: [
          {
            code: 'unique',
            detail: 'This API name is already in use. Please select a different name.',
            attr: 'api_name',
          },
        ],
      });
      const bad = await call(server, 'POST', `${base}/api/deployment/`, {
        as: who.owner,
        json: { workflow: other.id, api_name: 'has space' },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0]).toMatchObject({
        attr: 'api_name',
        detail: 'Only letters, numbers, hyphen and underscores are allowed.',
      });
      const second = await call(server, 'POST', `${base}/api/deployment/`, {
        as: who.owner,
        json: { workflow: wf.id, api_name: 'second' },
      });
      expect(second.status).toBe(400);
      expect(second.body.errors[0]).toMatchObject({
        attr: 'workflow',
        detail: expect.stringContaining('Only one API deployment per workflow'),
      });
      const bare = await createWorkflow(server, who.owner, 'dep-bare');
      const noEndpoints = await call(server, 'POST', `${base}/api/deployment/`, {
        as: who.owner,
        json: { workflow: bare.id, api_name: 'bare' },
      });
      expect(noEndpoints.status).toBe(400);
      expect(noEndpoints.body.errors[0].attr).toBe('workflow');
      const missing = await call(server, 'POST', `${base}/api/deployment/`, { as: who.owner, json: { api_name: 'x' } });
      expect(missing.body.errors).toEqual([{ code: 'required', detail: 'This field is required.', attr: 'workflow' }]);
    });

    it('lists visible deployments (paged, api_name filter), updates, shares by int id and deletes (owner only)', async () => {
      const { body } = await deploy({ description: 'd' });
      const list = await call(server, 'GET', `${base}/api/deployment/?api_name=${body.api_name}`, { as: who.owner });
      expect(list.body).toMatchObject({ count: 1, next: null, previous: null });
      expect(list.body.results[0]).toEqual(
        expect.objectContaining({
          id: body.id,
          api_name: body.api_name,
          description: 'd',
          run_count: 0,
          last_run_time: null,
          last_5_run_statuses: [],
          is_owner: true,
        }),
      );
      expect(
        (await call(server, 'GET', `${base}/api/deployment/`, { as: who.member })).body.results.map(
          (d: { id: string }) => d.id,
        ),
      ).not.toContain(body.id);
      expect((await call(server, 'GET', `${base}/api/deployment/${body.id}/`, { as: who.member })).status).toBe(404);

      const patched = await call(server, 'PATCH', `${base}/api/deployment/${body.id}/`, {
        as: who.owner,
        json: { display_name: 'Renamed', is_active: false },
      });
      expect(patched.body).toMatchObject({ display_name: 'Renamed', is_active: false });

      const seq = (await server.core.admin.usersByIds(serviceActor(server), [who.shared.id]))[0]!.seq;
      const shared = await call(server, 'POST', `${base}/api/deployment/${body.id}/share/`, {
        as: who.owner,
        json: { shared_users: [seq] },
      });
      expect(shared.body).toMatchObject({
        id: body.id,
        shared_users: [{ id: seq, email: who.shared.email }],
        co_owners: [{ email: who.owner.email }],
      });
      expect((await call(server, 'GET', `${base}/api/deployment/${body.id}/`, { as: who.shared })).status).toBe(200);
      expect((await call(server, 'DELETE', `${base}/api/deployment/${body.id}/`, { as: who.shared })).status).toBe(403);

      expect((await call(server, 'DELETE', `${base}/api/deployment/${body.id}/`, { as: who.owner })).status).toBe(204);
      const gone = await call(server, 'GET', `${base}/api/deployment/${body.id}/`, { as: who.owner });
      expect(gone.status).toBe(404);
      expect(gone.body.errors[0].detail).toBe('Not found.');
      // Its keys went with it.
      expect((await post(`/${body.api_endpoint}`, body.api_key)).status).toBe(404);
    });

    it('creates more keys through api/keys/api/', async () => {
      const { body } = await deploy();
      const r = await call(server, 'POST', `${base}/api/keys/api/`, {
        as: who.owner,
        json: { api: body.id, description: 'rotated' },
      });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({
        api: body.id,
        pipeline: null,
        description: 'rotated',
        is_active: true,
        api_key: expect.any(String),
      });
      expect((await call(server, 'GET', `${base}/api/keys/api/${body.id}/`, { as: who.owner })).body).toHaveLength(2);
      const both = await call(server, 'POST', `${base}/api/keys/api/`, {
        as: who.owner,
        json: { api: body.id, pipeline: body.id },
      });
      expect(both.body.errors[0]).toMatchObject({
        attr: 'non_field_errors',
        detail: 'Only one of `api` or `pipeline` should be set, not both.',
      });
      // The key can be read and revoked like a pipeline key.
      const revoked = await call(server, 'PUT', `${base}/api/keys/${r.body.id}/`, {
        as: who.owner,
        json: { is_active: false },
      });
      expect(revoked.body.is_active).toBe(false);
      expect((await post(`/${body.api_endpoint}`, r.body.api_key)).status).toBe(401);
    });

    it('answers OPTIONS with the fields a POST takes', async () => {
      const r = await call(server, 'OPTIONS', `${base}/api/deployment/`, { as: who.owner });
      expect(Object.keys(r.body.actions.POST).sort()).toEqual([
        'api_name',
        'description',
        'display_name',
        'is_active',
        'workflow',
      ]);
    });
  });

  describe('POST/GET /deployment/api/{org}/{api_name}/', () => {
    it('runs the workflow with the files and answers the status API to poll (async, the default)', () =>
      holdingRuns(async () => {
        const { wf, body } = await deploy();
        const r = await post(`/${body.api_endpoint}`, body.api_key, ['a.json', 'b.json']);
        expect(r.status).toBe(200);
        const id = r.body.message.execution_id;
        expect(r.body).toEqual({
          message: {
            execution_status: 'PENDING',
            execution_id: expect.any(String),
            status_api: `/deployment/api/${server.org.slug}/${body.api_name}/?execution_id=${id}`,
            error: null,
            result: null,
          },
        });
        const run = await server.core.runs.get(serviceActor(server), id);
        expect(run).toMatchObject({ workflowId: wf.id, pipelineId: null });

        // While running: 422 with the status (what the client reads as "pending").
        const pending = await call(server, 'GET', r.body.message.status_api, { credential: body.api_key });
        expect(pending.status).toBe(422);
        expect(pending.body).toEqual({ status: 'PENDING', message: null });

        await settleRun(server.core, serviceActor(server), id);
        const done = await call(server, 'GET', r.body.message.status_api, { credential: body.api_key });
        expect(done.status).toBe(200);
        expect(done.body).toEqual({ status: 'COMPLETED', message: null });

        const listed = await call(server, 'GET', `${base}/api/deployment/?api_name=${body.api_name}`, {
          as: who.owner,
        });
        expect(listed.body.results[0]).toMatchObject({
          run_count: 1,
          last_5_run_statuses: [{ execution_id: id, status: 'COMPLETED' }],
        });
      }));

    it('waits up to `timeout` seconds, and answers a failed execution with 422', () =>
      holdingRuns(async () => {
        const { body } = await deploy();
        const pending = post(`/${body.api_endpoint}`, body.api_key, ['a.json'], { timeout: '5' });
        await new Promise((r) => setTimeout(r, 300));
        const runs = await server.core.runs.list(serviceActor(server), {
          filters: [{ field: 'trigger', op: 'equals', value: 'public' }],
          logical: 'and',
          required: [],
          sort: [{ field: 'createdAt', direction: 'desc' }],
          page: { page: 1, size: 1 },
        });
        const runId = runs.items[0]!.id;
        await settleRun(server.core, serviceActor(server), runId, { status: 'ERROR', error: 'boom' });
        const r = await pending;
        expect(r.status).toBe(422);
        expect(r.body.message).toMatchObject({ execution_id: runId, execution_status: 'ERROR', error: 'boom' });
        const status = await call(server, 'GET', r.body.message.status_api, { credential: body.api_key });
        expect(status.status).toBe(422);
        expect(status.body).toEqual({ status: 'ERROR', message: 'boom' });
      }));

    it('checks the key as Unstract does', async () => {
      const { body } = await deploy();
      const other = await deploy();
      const path = `/${body.api_endpoint}`;
      const missing = await post(path, undefined);
      expect(missing.status).toBe(403);
      expect(missing.body).toEqual({
        type: 'client_error',
        errors: [{ code: 'error', detail: 'Missing api key', attr: null }],
      });
      const wrong = await post(path, other.body.api_key);
      expect(wrong.status).toBe(401);
      expect(wrong.body.errors[0].detail).toBe('Unauthorized');
      expect((await post(path, who.owner.apiKey)).status).toBe(401);
      const unknown = await post(`/deployment/api/${server.org.slug}/nope/`, body.api_key);
      expect(unknown.status).toBe(404);
      expect(unknown.body.errors[0].detail).toBe('API not found');
      await call(server, 'PATCH', `${base}/api/deployment/${body.id}/`, { as: who.owner, json: { is_active: false } });
      expect((await post(path, body.api_key)).body.errors[0].detail).toBe('API not found or Inactive');
    });

    it('refuses a call without files, and polls only its own executions', async () => {
      const { body } = await deploy();
      const none = await post(`/${body.api_endpoint}`, body.api_key, []);
      expect(none.status).toBe(400);
      expect(none.body.errors[0]).toMatchObject({
        attr: 'non_field_errors',
        detail: 'You must provide at least one file or presigned URL.',
      });
      const path = `/${body.api_endpoint}`;
      const noId = await call(server, 'GET', path, { credential: body.api_key });
      expect(noId.body.errors[0]).toMatchObject({ code: 'required', attr: 'execution_id' });
      const badId = await call(server, 'GET', `${path}?execution_id=zzz`, { credential: body.api_key });
      expect(badId.body.errors[0].detail).toBe("Invalid execution_id 'zzz'. Must be a valid UUID.");
      const other = await deploy();
      const run = await post(`/${other.body.api_endpoint}`, other.body.api_key);
      const foreign = await call(server, 'GET', `${path}?execution_id=${run.body.message.execution_id}`, {
        credential: body.api_key,
      });
      expect(foreign.status).toBe(404);
      expect(foreign.body.errors[0].detail).toBe(
        `Execution with ID '${run.body.message.execution_id}' does not exist.`,
      );
      await settleRun(server.core, serviceActor(server), run.body.message.execution_id);
    });
  });
});
