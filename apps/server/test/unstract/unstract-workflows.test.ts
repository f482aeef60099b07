import { startTestServer, type TestServer } from '../support/test-server.js';
import { api, call, cast, createPipeline, createWorkflow, intId, type Cast } from './unstract-support.js';

describe('unstract workflows', () => {
  let server: TestServer;
  let who: Cast;
  let base: string;
  beforeAll(async () => {
    server = await startTestServer();
    who = await cast(server);
    base = api(server.org.slug);
  });
  afterAll(async () => {
    await server.close();
  });

  describe('POST workflow/', () => {
    it('creates an active workflow owned by the caller with only workflow_name', async () => {
      const r = await call(server, 'POST', `${base}/workflow/`, {
        as: who.owner,
        json: { workflow_name: 'wf-only-name', is_active: false },
      });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({
        workflow_name: 'wf-only-name',
        // Unstract's default for a workflow created without one.
        description: '',
        is_active: true,
        deployment_type: 'DEFAULT',
        source_settings: null,
        destination_settings: null,
        stage_settings: { input_schema: null, filter: null, transformation: null, output_schema: null },
        max_file_execution_count: null,
        workflow_owner: await intId(server, who.owner),
        created_by: await intId(server, who.owner),
        is_owner: true,
        owner_emails: [who.owner.email],
        shared_users: [],
        shared_to_org: false,
        tool_instances: [],
      });
      expect(typeof r.body.created_at).toBe('string');
    });

    it('stores the definition in Unstract naming (source, stages, destination)', async () => {
      const body = {
        workflow_name: 'wf-full',
        description: 'orders to the warehouse',
        deployment_type: 'ETL',
        source_settings: { connector: 'inline', settings: { records: [{ id: 1, amount: 20 }] } },
        destination_settings: { connector: 'none', settings: {} },
        stage_settings: {
          input_schema: { type: 'object', properties: { amount: { type: 'number' } } },
          filter: 'amount > 10',
          transformation: '{ "id": id, "doubled": amount * 2 }',
          output_schema: null,
        },
        max_file_execution_count: 5,
        retry_on_interrupt: true,
      };
      const r = await call(server, 'POST', `${base}/workflow/`, { as: who.owner, json: body });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject(body);
      const got = await call(server, 'GET', `${base}/workflow/${r.body.id}/`, { as: who.owner });
      expect(got.body).toMatchObject(body);
    });

    it('reports bad fields in Unstract names', async () => {
      const none = await call(server, 'POST', `${base}/workflow/`, { as: who.owner, json: {} });
      expect(none.body).toEqual({
        type: 'validation_error',
        errors: [{ code: 'required', detail: 'This field is required.', attr: 'workflow_name' }],
      });
      const connector = await call(server, 'POST', `${base}/workflow/`, {
        as: who.owner,
        json: { workflow_name: 'wf-bad', source_settings: { settings: {} } },
      });
      expect(connector.body.errors).toEqual([
        { code: 'required', detail: 'This field is required.', attr: 'source_settings.connector' },
      ]);
      const stage = await call(server, 'POST', `${base}/workflow/`, {
        as: who.owner,
        json: { workflow_name: 'wf-bad', stage_settings: { filter: 5, input_schema: [] } },
      });
      expect(stage.body.errors.map((e: { attr: string }) => e.attr).sort()).toEqual([
        'stage_settings.filter',
        'stage_settings.input_schema',
      ]);
      const settings = await call(server, 'POST', `${base}/workflow/`, {
        as: who.owner,
        json: { workflow_name: 'wf-bad', destination_settings: 'pg' },
      });
      expect(settings.body.errors).toEqual([
        { code: 'invalid', detail: 'Expected a dictionary of items.', attr: 'destination_settings' },
      ]);
      const max = await call(server, 'POST', `${base}/workflow/`, {
        as: who.owner,
        json: { workflow_name: 'wf-bad', max_file_execution_count: 0 },
      });
      expect(max.body.errors[0]).toMatchObject({ code: 'min_value', attr: 'max_file_execution_count' });
    });

    it('rejects a duplicate name on workflow_name', async () => {
      await createWorkflow(server, who.owner, 'wf-dup');
      const r = await call(server, 'POST', `${base}/workflow/`, { as: who.member, json: { workflow_name: 'wf-dup' } });
      expect(r.status).toBe(400);
      expect(r.body).toEqual({
        type: 'validation_error',
        errors: [{ code: 'unique', detail: 'A workflow with this name already exists.', attr: 'workflow_name' }],
      });
    });
  });

  describe('GET workflow/', () => {
    beforeAll(async () => {
      // Apart in time, so "newest change first" has one answer.
      const pause = () => new Promise((done) => setTimeout(done, 5));
      await createWorkflow(server, who.outsider, 'list-a');
      await pause();
      await createWorkflow(server, who.outsider, 'list-b');
      await pause();
      const c = await createWorkflow(server, who.outsider, 'list-c');
      await pause();
      await call(server, 'PUT', `${base}/workflow/active/${c.id}/`, { as: who.outsider });
    });
    const list = (q: string, as = who.outsider) => call(server, 'GET', `${base}/workflow/?${q}`, { as });
    const names = (rows: { workflow_name: string }[]) => rows.map((w) => w.workflow_name);

    it('is a bare array without paging parameters, newest change first', async () => {
      const r = await list(`workflow_owner=${who.outsider.id}`);
      expect(Array.isArray(r.body)).toBe(true);
      expect(names(r.body)).toEqual(['list-c', 'list-b', 'list-a']);
    });

    it('paginates when page or page_size is given', async () => {
      const r = await list(`workflow_owner=${who.outsider.id}&page_size=2`);
      expect(r.body).toMatchObject({
        count: 3,
        previous: null,
        next: `${server.baseUrl}${base}/workflow/?page=2&page_size=2&workflow_owner=${who.outsider.id}`,
      });
      expect(names(r.body.results)).toEqual(['list-c', 'list-b']);
      const last = await list(`workflow_owner=${who.outsider.id}&page=2&page_size=2`);
      expect(names(last.body.results)).toEqual(['list-a']);
      expect((await list(`workflow_owner=${who.outsider.id}&page=3&page_size=2`)).status).toBe(404);
    });

    it('filters by workflow_owner, is_active, workflow_name and search', async () => {
      expect(names((await list(`workflow_owner=${who.outsider.id}&is_active=false`)).body)).toEqual(['list-c']);
      expect(names((await list(`workflow_owner=${who.outsider.id}&is_active=True`)).body)).toEqual([
        'list-b',
        'list-a',
      ]);
      expect(names((await list('workflow_name=list-b')).body)).toEqual(['list-b']);
      expect(names((await list('search=LIST-')).body)).toEqual(['list-c', 'list-b', 'list-a']);
      expect((await list('workflow_owner=nope')).body.errors[0].attr).toBe('workflow_owner');
      expect((await list('is_active=maybe')).body.errors[0].attr).toBe('is_active');
    });

    it('lists only what the caller may see', async () => {
      expect(names((await list('search=list-', who.member)).body)).toEqual([]);
      expect(names((await list('search=list-', server.admin)).body)).toEqual(['list-c', 'list-b', 'list-a']);
    });
  });

  describe('permissions on workflow/{id}/', () => {
    let userShared: { id: string };
    let orgShared: { id: string };
    beforeAll(async () => {
      userShared = await createWorkflow(server, who.owner, 'perm-wf-user');
      orgShared = await createWorkflow(server, who.owner, 'perm-wf-org');
      expect(
        (
          await call(server, 'PATCH', `${base}/workflow/${userShared.id}/`, {
            as: who.owner,
            json: { shared_users: [who.shared.id] },
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await call(server, 'POST', `${base}/workflow/${orgShared.id}/share/`, {
            as: who.owner,
            json: { shared_to_org: true },
          })
        ).status,
      ).toBe(200);
    });

    it('owner: read, update (PUT/PATCH), delete', async () => {
      const wf = await createWorkflow(server, who.owner, 'perm-wf-own');
      expect((await call(server, 'GET', `${base}/workflow/${wf.id}/`, { as: who.owner })).body.is_owner).toBe(true);
      const put = await call(server, 'PUT', `${base}/workflow/${wf.id}/`, {
        as: who.owner,
        json: { workflow_name: 'perm-wf-own2', description: 'd' },
      });
      expect(put.body).toMatchObject({ workflow_name: 'perm-wf-own2', description: 'd' });
      const noName = await call(server, 'PUT', `${base}/workflow/${wf.id}/`, {
        as: who.owner,
        json: { description: 'd' },
      });
      expect(noName.body.errors).toEqual([
        { code: 'required', detail: 'This field is required.', attr: 'workflow_name' },
      ]);
      const patch = await call(server, 'PATCH', `${base}/workflow/${wf.id}/`, {
        as: who.owner,
        json: { stage_settings: { filter: 'x = 1' } },
      });
      expect(patch.body).toMatchObject({
        workflow_name: 'perm-wf-own2',
        description: 'd',
        stage_settings: { filter: 'x = 1' },
      });
      expect((await call(server, 'DELETE', `${base}/workflow/${wf.id}/`, { as: who.owner })).status).toBe(204);
      expect((await call(server, 'GET', `${base}/workflow/${wf.id}/`, { as: who.owner })).status).toBe(404);
    });

    it('shared user and org-wide reader: read, but 403 on change', async () => {
      for (const [as, wf] of [
        [who.shared, userShared],
        [who.member, orgShared],
      ] as const) {
        const get = await call(server, 'GET', `${base}/workflow/${wf.id}/`, { as });
        expect(get.status).toBe(200);
        expect(get.body.is_owner).toBe(false);
        for (const [method, path, json] of [
          ['PATCH', `workflow/${wf.id}/`, { description: 'x' }],
          ['PUT', `workflow/${wf.id}/`, { workflow_name: 'x' }],
          ['DELETE', `workflow/${wf.id}/`, undefined],
          ['PUT', `workflow/active/${wf.id}/`, undefined],
          ['GET', `workflow/${wf.id}/clear-file-marker/`, undefined],
          ['POST', `workflow/${wf.id}/share/`, { shared_to_org: false }],
        ] as const) {
          const r = await call(server, method, `${base}/${path}`, { as, json });
          expect([method, path, r.status, r.body.errors?.[0]?.code]).toEqual([method, path, 403, 'permission_denied']);
        }
      }
    });

    it('outsider: 404 "Workflow not found."; another org: 403', async () => {
      const notFound = {
        type: 'client_error',
        errors: [{ code: 'not_found', detail: 'Workflow not found.', attr: null }],
      };
      for (const [method, path] of [
        ['GET', `workflow/${userShared.id}/`],
        ['PATCH', `workflow/${userShared.id}/`],
        ['DELETE', `workflow/${userShared.id}/`],
        ['PUT', `workflow/active/${userShared.id}/`],
        ['GET', `workflow/${userShared.id}/can-update/`],
        ['GET', `workflow/${userShared.id}/users/`],
        ['GET', `workflow/${userShared.id}/clear-file-marker/`],
      ] as const) {
        const r = await call(server, method, `${base}/${path}`, {
          as: who.outsider,
          json: method === 'PATCH' ? {} : undefined,
        });
        expect([method, path, r.status, r.body]).toEqual([method, path, 404, notFound]);
      }
      expect((await call(server, 'GET', `${base}/workflow/${userShared.id}/`, { as: who.foreign })).body).toEqual({
        message: 'Organization access denied',
      });
      expect(
        (await call(server, 'GET', `${api(who.foreignSlug)}/workflow/${userShared.id}/`, { as: who.foreign })).status,
      ).toBe(404);
    });
  });

  describe('actions', () => {
    it('PUT workflow/active/{id}/ toggles the active state', async () => {
      const wf = await createWorkflow(server, who.owner, 'toggle-1');
      const off = await call(server, 'PUT', `${base}/workflow/active/${wf.id}/`, { as: who.owner });
      expect(off.status).toBe(200);
      expect(off.body.is_active).toBe(false);
      const on = await call(server, 'PUT', `${base}/workflow/active/${wf.id}/`, { as: who.owner });
      expect(on.body.is_active).toBe(true);
    });

    it('GET workflow/{id}/can-update/ says whether the caller may update it and which pipelines use it', async () => {
      const wf = await createWorkflow(server, who.owner, 'can-update-1');
      const p = await createPipeline(server, who.owner, 'can-update-p', { workflow: wf.id });
      await call(server, 'POST', `${base}/workflow/${wf.id}/share/`, {
        as: who.owner,
        json: { shared_users: [who.shared.id] },
      });
      const owner = await call(server, 'GET', `${base}/workflow/${wf.id}/can-update/`, { as: who.owner });
      expect(owner.body).toEqual({
        can_update: true,
        pipelines: [{ id: p.id, pipeline_name: 'can-update-p' }],
        api_names: [],
        pipeline_count: 1,
        api_count: 0,
      });
      const shared = await call(server, 'GET', `${base}/workflow/${wf.id}/can-update/`, { as: who.shared });
      expect(shared.body.can_update).toBe(false);
      // A workflow in use cannot be deleted.
      const del = await call(server, 'DELETE', `${base}/workflow/${wf.id}/`, { as: who.owner });
      expect(del.status).toBe(409);
      expect(del.body).toEqual({
        type: 'client_error',
        errors: [{ code: 'error', detail: 'The workflow is used by 1 pipeline(s); delete them first.', attr: null }],
      });
    });

    it('GET workflow/{id}/clear-file-marker/ deletes its file history', async () => {
      const wf = await createWorkflow(server, who.owner, 'marker-1');
      await server.core.fileHistories.record(
        wf.id,
        { cacheKey: 'a'.repeat(64), filePath: '/in/a.csv' },
        { status: 'COMPLETED' },
      );
      const r = await call(server, 'GET', `${base}/workflow/${wf.id}/clear-file-marker/`, { as: who.owner });
      expect(r.status).toBe(200);
      expect(r.body).toBe('File marker cleared successfully.');
      expect(
        (await call(server, 'GET', `${base}/workflow/${wf.id}/file-histories/`, { as: who.owner })).body.count,
      ).toBe(0);
    });

    it('GET workflow/schema/ gives the settings schema of the engine connectors', async () => {
      for (const [type, title] of [
        ['src', 'Source settings'],
        ['dest', 'Destination settings'],
      ] as const) {
        const r = await call(server, 'GET', `${base}/workflow/schema/?type=${type}`, { as: who.member });
        expect(r.status).toBe(200);
        expect(r.body).toMatchObject({
          title,
          type: 'object',
          required: ['connector'],
          properties: { connector: { type: 'string' }, settings: { type: 'object' } },
        });
        // One branch per connector of that kind (none until the engine's registry is wired in).
        const names = (r.body.oneOf ?? []).map(
          (b: { properties: { connector: { const: string } } }) => b.properties.connector.const,
        );
        expect(r.body.properties.connector.enum ?? []).toEqual(names);
      }
      expect((await call(server, 'GET', `${base}/workflow/schema/`, { as: who.member })).body.title).toBe(
        'Source settings',
      );
      const bad = await call(server, 'GET', `${base}/workflow/schema/?type=sideways`, { as: who.member });
      expect(bad.status).toBe(400);
      expect(bad.body.errors).toEqual([
        { code: 'invalid_choice', detail: '"sideways" is not a valid choice.', attr: 'type' },
      ]);
    });

    it('users/ and share/ show and replace who the workflow is shared with', async () => {
      const wf = await createWorkflow(server, who.owner, 'wf-share');
      const shared = await call(server, 'POST', `${base}/workflow/${wf.id}/share/`, {
        as: who.owner,
        json: { shared_users: [who.shared.id], shared_to_org: true },
      });
      expect(shared.body).toEqual({
        id: wf.id,
        workflow_name: 'wf-share',
        shared_users: [{ id: await intId(server, who.shared), email: who.shared.email }],
        shared_to_org: true,
        shared_groups: [],
        co_owners: [{ id: await intId(server, who.owner), email: who.owner.email }],
        created_by: await intId(server, who.owner),
        created_by_email: who.owner.email,
      });
      expect((await call(server, 'GET', `${base}/workflow/${wf.id}/users/`, { as: who.member })).body).toEqual(
        shared.body,
      );
    });
  });

  it('OPTIONS workflow/ describes the writable fields from the DTO', async () => {
    const r = await call(server, 'OPTIONS', `${base}/workflow/`, { as: who.member });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      name: 'Workflow List',
      renders: ['application/json'],
      parses: ['application/json'],
    });
    const post = r.body.actions.POST;
    expect(post.workflow_name).toEqual({
      type: 'string',
      required: true,
      read_only: false,
      label: 'Workflow name',
      max_length: 128,
    });
    expect(post.source_settings).toMatchObject({
      type: 'field',
      required: false,
      read_only: false,
      label: 'Source settings',
    });
    expect(post.max_file_execution_count).toMatchObject({ type: 'integer', required: false, min_value: 1 });
    expect(post.deployment_type.choices.map((c: { value: string }) => c.value)).toEqual([
      'DEFAULT',
      'ETL',
      'TASK',
      'API',
      'APP',
    ]);
    expect(Object.values(post).every((f) => (f as { read_only: boolean }).read_only === false)).toBe(true);
  });
});
