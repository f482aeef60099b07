import { query } from '@pipewright/core';
import { startTestServer, type TestServer, type TestUser } from '../support/test-server.js';
import {
  createPipeline,
  expectEmpty,
  expectError,
  insertRun,
  jsonOf,
  statusAndCode,
  uniqueName,
} from './meergo-support.js';

const PERIODS = '"5m", "15m", "30m", "1h", "2h", "3h", "6h", "8h", "12h", or "24h"';

// Meergo pipelines: create (workflow uuid or inline definition), get, update, delete, status, schedule.
describe('meergo pipelines', () => {
  let server: TestServer;
  let admin: TestUser;
  const call = (method: string, path: string, json?: unknown, user?: TestUser) =>
    server.fetch(path, { method, auth: (user ?? admin).apiKey, ...(json !== undefined ? { json } : {}) });
  const getPipeline = async (seq: number, user?: TestUser) =>
    jsonOf<Record<string, unknown>>(await call('GET', `/v1/pipelines/${seq}`, undefined, user));

  beforeAll(async () => {
    server = await startTestServer();
    admin = server.admin;
  });
  afterAll(() => server.close());

  describe('POST /v1/pipelines', () => {
    it('creates a pipeline with an inline workflow and answers its int id', async () => {
      const name = uniqueName();
      const res = await call('POST', '/v1/pipelines', {
        name,
        enabled: true,
        source: { connector: 'inline', settings: { records: [{ n: 1 }] } },
        filter: 'n > 0',
        transformation: '{"m": n * 2}',
        destination: { connector: 'none' },
        inSchema: { type: 'object' },
      });
      const { id } = await jsonOf<{ id: number }>(res);
      expect(Number.isInteger(id) && id >= 1 && id <= 2 ** 31 - 1).toBe(true);
      const p = await getPipeline(id);
      expect(p).toMatchObject({
        id,
        name,
        description: null,
        enabled: true,
        running: false,
        schedulePeriod: null,
        incremental: false,
        updatedAtColumn: null,
      });
      expect(p.uuid).toMatch(/^[0-9a-f-]{36}$/);
      expect(p.scheduleStart).toEqual(expect.any(Number));
      const wf = await server.core.workflows.get(admin.actor, p.workflow as string);
      expect(wf.definition).toEqual({
        source: { connector: 'inline', settings: { records: [{ n: 1 }] } },
        stages: { filter: 'n > 0', transformation: '{"m": n * 2}', inputSchema: { type: 'object' } },
        destination: { connector: 'none', settings: {} },
      });
    });

    it('binds an existing workflow by uuid, with incremental settings; missing booleans are false', async () => {
      const wf = await server.core.workflows.create(admin.actor, { name: uniqueName('wf') });
      const { id } = await jsonOf<{ id: number }>(
        await call('POST', '/v1/pipelines', {
          name: uniqueName(),
          workflow: wf.id,
          incremental: true,
          updatedAtColumn: 'updated_at',
        }),
      );
      expect(await getPipeline(id)).toMatchObject({
        workflow: wf.id,
        enabled: false,
        incremental: true,
        updatedAtColumn: 'updated_at',
      });
    });

    it('400 for an incremental pipeline without an update time column, on create and on update', async () => {
      const message = 'incremental requires an update time column';
      await expectError(
        await call('POST', '/v1/pipelines', { name: uniqueName(), incremental: true }),
        400,
        'BadRequest',
        message,
      );
      const p = await createPipeline(server, admin, { incremental: true, updatedAtColumn: 'updated_at' });
      await expectError(
        await call('PUT', `/v1/pipelines/${p.seq}`, { name: p.name, incremental: true }),
        400,
        'BadRequest',
        message,
      );
      expect(await getPipeline(p.seq)).toMatchObject({ incremental: true, updatedAtColumn: 'updated_at' });
    });

    it('creates an empty workflow when neither is given', async () => {
      const p = await createPipeline(server, admin);
      expect((await server.core.workflows.get(admin.actor, p.workflow)).definition.source).toBeNull();
    });

    it('404 for a workflow the caller cannot see; 400 for workflow plus an inline definition', async () => {
      await expectError(
        await call('POST', '/v1/pipelines', { name: uniqueName(), workflow: '7d0f1c55-0d7a-4a51-a9d1-2f8f6e9d2c10' }),
        404,
        'NotFound',
        'workflow does not exist',
      );
      const wf = await server.core.workflows.create(admin.actor, { name: uniqueName('wf') });
      await expectError(
        await call('POST', '/v1/pipelines', { name: uniqueName(), workflow: wf.id, filter: 'true' }),
        400,
        'BadRequest',
        'workflow cannot be combined with source, filter, transformation, destination, inSchema, outSchema',
      );
    });

    it('400 for invalid fields', async () => {
      await expectError(await call('POST', '/v1/pipelines', {}), 400, 'BadRequest', 'name must be a string');
      await expectError(
        await call('POST', '/v1/pipelines', { name: 'x', enabled: 'yes' }),
        400,
        'BadRequest',
        'enabled must be a boolean value',
      );
      await expectError(
        await call('POST', '/v1/pipelines', { name: 'x', workflow: 'nope' }),
        400,
        'BadRequest',
        'workflow must be a UUID',
      );
      await expectError(
        await call('POST', '/v1/pipelines', { name: 'x', source: { settings: {} } }),
        400,
        'BadRequest',
        'source.connector: This field is required.',
      );
    });

    it('422 AlreadyExists for a name in use, without leaving the inline workflow behind', async () => {
      const p = await createPipeline(server, admin);
      const before = (await server.core.workflows.list(admin.actor, query())).total;
      const res = await call('POST', '/v1/pipelines', { name: p.name, filter: 'true' });
      expect(await statusAndCode(res)).toEqual([422, 'AlreadyExists']);
      expect((await server.core.workflows.list(admin.actor, query())).total).toBe(before);
    });
  });

  describe('GET /v1/pipelines/{id}', () => {
    it('reaches pipelines created through other dialects by their int id', async () => {
      const wf = await server.core.workflows.create(admin.actor, { name: uniqueName('wf') });
      const { pipeline } = await server.core.pipelines.create(admin.actor, {
        name: uniqueName(),
        workflowId: wf.id,
        schedule: { cron: '*/10 * * * *' },
      });
      const got = await getPipeline(pipeline.seq);
      expect(got).toMatchObject({
        id: pipeline.seq,
        uuid: pipeline.id,
        enabled: true,
        schedulePeriod: null,
        scheduleCron: '*/10 * * * *',
      });
    });

    it('shows whether a run is in progress', async () => {
      const p = await createPipeline(server, admin);
      await insertRun(server, {
        orgId: server.org.id,
        pipelineId: p.uuid,
        workflowId: p.workflow,
        status: 'EXECUTING',
      });
      expect((await getPipeline(p.seq)).running).toBe(true);
    });

    it('404 for a pipeline that does not exist or that the caller may not see', async () => {
      await expectError(
        await call('GET', '/v1/pipelines/2147483647'),
        404,
        'NotFound',
        'pipeline 2147483647 does not exist',
      );
      const member = await server.user();
      const p = await createPipeline(server, admin);
      await expectError(
        await call('GET', `/v1/pipelines/${p.seq}`, undefined, member),
        404,
        'NotFound',
        `pipeline ${p.seq} does not exist`,
      );
      const elsewhere = await server.organization(uniqueName('org').toLowerCase());
      const theirs = await createPipeline(server, elsewhere.admin);
      await expectError(
        await call('GET', `/v1/pipelines/${theirs.seq}`),
        404,
        'NotFound',
        `pipeline ${theirs.seq} does not exist`,
      );
    });
  });

  describe('identifiers', () => {
    const bad = ['abc', '0', '01', '-1', '1.5', '2147483648', '99999999999', '1e3', '%20'];
    const routes: Array<[string, (id: string) => string, unknown]> = [
      ['GET', (id) => `/v1/pipelines/${id}`, undefined],
      ['PUT', (id) => `/v1/pipelines/${id}`, { name: 'x' }],
      ['DELETE', (id) => `/v1/pipelines/${id}`, undefined],
      ['PUT', (id) => `/v1/pipelines/${id}/status`, { enabled: true }],
      ['PUT', (id) => `/v1/pipelines/${id}/schedule`, { period: '1h' }],
      ['POST', (id) => `/v1/pipelines/${id}/runs`, {}],
    ];

    it.each(routes.map(([m, path, body]) => [`${m} ${path(':id')}`, m, path, body] as const))(
      '%s: 400 for ids outside [1, 2^31-1]',
      async (_n, method, path, body) => {
        for (const id of bad) {
          const shown = decodeURIComponent(id);
          await expectError(
            await call(method, path(id), body),
            400,
            'BadRequest',
            `identifier ${JSON.stringify(shown)} is not a valid pipeline identifier`,
          );
        }
      },
    );

    it('does not take "runs" for a pipeline id on GET, but does on other methods', async () => {
      const list = await jsonOf<{ runs: unknown[] }>(await call('GET', '/v1/pipelines/runs'));
      expect(Array.isArray(list.runs)).toBe(true);
      await expectError(
        await call('PUT', '/v1/pipelines/runs', { name: 'x' }),
        400,
        'BadRequest',
        'identifier "runs" is not a valid pipeline identifier',
      );
    });
  });

  describe('PUT /v1/pipelines/{id}', () => {
    it('replaces name, enabled, incremental and updatedAtColumn (missing booleans false, missing column null)', async () => {
      const p = await createPipeline(server, admin, { incremental: true, updatedAtColumn: 'ts' });
      const name = uniqueName('renamed');
      await expectEmpty(await call('PUT', `/v1/pipelines/${p.seq}`, { name, description: 'd' }));
      expect(await getPipeline(p.seq)).toMatchObject({
        name,
        description: 'd',
        enabled: false,
        incremental: false,
        updatedAtColumn: null,
      });
      await expectEmpty(
        await call('PUT', `/v1/pipelines/${p.seq}`, {
          name,
          enabled: true,
          incremental: true,
          updatedAtColumn: 'modified',
        }),
      );
      expect(await getPipeline(p.seq)).toMatchObject({
        enabled: true,
        incremental: true,
        updatedAtColumn: 'modified',
        description: 'd',
      });
    });

    it('changes the workflow’s definition inline, keeping stage settings not given', async () => {
      const p = await createPipeline(server, admin, { filter: 'a = 1', transformation: '{"b": a}' });
      await expectEmpty(await call('PUT', `/v1/pipelines/${p.seq}`, { name: p.name, filter: 'a = 2' }));
      const wf = await server.core.workflows.get(admin.actor, p.workflow);
      expect(wf.definition.stages).toEqual({ filter: 'a = 2', transformation: '{"b": a}' });
    });

    it('rebinds the workflow; 404 for one that does not exist', async () => {
      const p = await createPipeline(server, admin);
      const wf = await server.core.workflows.create(admin.actor, { name: uniqueName('wf') });
      await expectEmpty(await call('PUT', `/v1/pipelines/${p.seq}`, { name: p.name, workflow: wf.id }));
      expect((await getPipeline(p.seq)).workflow).toBe(wf.id);
      await expectError(
        await call('PUT', `/v1/pipelines/${p.seq}`, { name: p.name, workflow: '7d0f1c55-0d7a-4a51-a9d1-2f8f6e9d2c10' }),
        404,
        'NotFound',
        'workflow does not exist',
      );
    });

    it('422 AlreadyExists for another pipeline’s name; 400 for a bad column', async () => {
      const a = await createPipeline(server, admin);
      const b = await createPipeline(server, admin);
      const res = await call('PUT', `/v1/pipelines/${b.seq}`, { name: a.name });
      expect(await statusAndCode(res)).toEqual([422, 'AlreadyExists']);
      await expectError(
        await call('PUT', `/v1/pipelines/${b.seq}`, { name: b.name, updatedAtColumn: 'bad column' }),
        400,
        'BadRequest',
        'updatedAtColumn: Must be a column name (letters, digits and "_").',
      );
    });
  });

  describe('PUT /v1/pipelines/{id}/status', () => {
    it('sets enabled; a missing or null field counts as false; setting the same value again is fine', async () => {
      const p = await createPipeline(server, admin, { enabled: false });
      await expectEmpty(await call('PUT', `/v1/pipelines/${p.seq}/status`, { enabled: true }));
      await expectEmpty(await call('PUT', `/v1/pipelines/${p.seq}/status`, { enabled: true }));
      expect((await getPipeline(p.seq)).enabled).toBe(true);
      await expectEmpty(await call('PUT', `/v1/pipelines/${p.seq}/status`, {}));
      expect((await getPipeline(p.seq)).enabled).toBe(false);
      await call('PUT', `/v1/pipelines/${p.seq}/status`, { enabled: true });
      await expectEmpty(await call('PUT', `/v1/pipelines/${p.seq}/status`, { enabled: null }));
      expect((await getPipeline(p.seq)).enabled).toBe(false);
    });

    it('400 for a non-boolean; 404 for a missing pipeline (checked before the body)', async () => {
      const p = await createPipeline(server, admin);
      await expectError(
        await call('PUT', `/v1/pipelines/${p.seq}/status`, { enabled: 'yes' }),
        400,
        'BadRequest',
        'enabled must be a boolean value',
      );
      await expectError(
        await call('PUT', '/v1/pipelines/2147483647/status', { enabled: 'yes' }),
        404,
        'NotFound',
        'pipeline 2147483647 does not exist',
      );
    });

    it('403 for a user who may see the pipeline but not change it', async () => {
      const member = await server.user();
      const p = await createPipeline(server, admin);
      await server.core.pipelines.share(admin.actor, p.uuid, { userIds: [member.id], toOrg: false });
      const res = await call('PUT', `/v1/pipelines/${p.seq}/status`, { enabled: false }, member);
      expect(await statusAndCode(res)).toEqual([403, 'Forbidden']);
    });
  });

  describe('PUT /v1/pipelines/{id}/schedule', () => {
    it('sets one of the ten periods, also on a disabled pipeline', async () => {
      const p = await createPipeline(server, admin, { enabled: false });
      for (const period of ['5m', '15m', '30m', '1h', '2h', '3h', '6h', '8h', '12h', '24h']) {
        await expectEmpty(await call('PUT', `/v1/pipelines/${p.seq}/schedule`, { period }));
        expect((await getPipeline(p.seq)).schedulePeriod).toBe(period);
      }
    });

    it('turns scheduling off with null or a missing key', async () => {
      const p = await createPipeline(server, admin);
      for (const body of [{ period: null }, {}]) {
        await call('PUT', `/v1/pipelines/${p.seq}/schedule`, { period: '1h' });
        await expectEmpty(await call('PUT', `/v1/pipelines/${p.seq}/schedule`, body));
        expect((await getPipeline(p.seq)).schedulePeriod).toBeNull();
      }
    });

    it('400 listing the periods for anything else', async () => {
      const p = await createPipeline(server, admin);
      for (const period of ['7m', '1H', 60, '', true]) {
        await expectError(
          await call('PUT', `/v1/pipelines/${p.seq}/schedule`, { period }),
          400,
          'BadRequest',
          `schedule period can be ${PERIODS}`,
        );
      }
    });
  });

  describe('DELETE /v1/pipelines/{id}', () => {
    it('deletes the pipeline; its runs vanish from the run list', async () => {
      const p = await createPipeline(server, admin);
      const run = await insertRun(server, {
        orgId: server.org.id,
        pipelineId: p.uuid,
        workflowId: p.workflow,
        status: 'COMPLETED',
      });
      expect((await call('GET', `/v1/pipelines/runs/${run.seq}`)).status).toBe(200);
      await expectEmpty(await call('DELETE', `/v1/pipelines/${p.seq}`));
      await expectError(
        await call('GET', `/v1/pipelines/${p.seq}`),
        404,
        'NotFound',
        `pipeline ${p.seq} does not exist`,
      );
      await expectError(
        await call('GET', `/v1/pipelines/runs/${run.seq}`),
        404,
        'NotFound',
        `pipeline run ${run.seq} does not exist`,
      );
      const list = await jsonOf<{ runs: Array<{ id: number }> }>(await call('GET', '/v1/pipelines/runs'));
      expect(list.runs.map((r) => r.id)).not.toContain(run.seq);
      await expectError(
        await call('DELETE', `/v1/pipelines/${p.seq}`),
        404,
        'NotFound',
        `pipeline ${p.seq} does not exist`,
      );
    });
  });
});
