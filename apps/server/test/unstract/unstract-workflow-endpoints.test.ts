import { startTestServer, type TestServer, type TestUser } from '../support/test-server.js';
import { api, call, cast, createWorkflow, type Cast, type Reply } from './unstract-support.js';

/**
 * Unstract's workflow endpoints: a workflow's SOURCE and DESTINATION endpoints are its source
 * and destination, under stable ids; an update goes through the workflow's own rules.
 */

const PASSWORD = 'pw-Endp0int-S3cret-z9';
const pgSettings = { host: '127.0.0.1', port: 5432, database: 'warehouse', user: 'reader', password: PASSWORD };

describe('unstract workflow endpoints', () => {
  let server: TestServer;
  let who: Cast;
  let base: string;
  /** Every body answered here: none may carry the connection's password. */
  const seen: string[] = [];
  const req = async (method: string, path: string, as: TestUser, json?: unknown): Promise<Reply> => {
    const r = await call(server, method, `${base}/${path}`, { as, json });
    seen.push(typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
    return r;
  };
  const endpointsOf = async (workflowId: string, as = who.owner) => {
    const r = await req('GET', `workflow/endpoint/?workflow=${workflowId}`, as);
    expect(r.status).toBe(200);
    return r.body as Array<Record<string, any>>;
  };
  const endpoint = async (workflowId: string, type: 'SOURCE' | 'DESTINATION') =>
    (await endpointsOf(workflowId)).find((e) => e.endpoint_type === type)!;

  beforeAll(async () => {
    server = await startTestServer();
    who = await cast(server);
    base = api(server.org.slug);
  });
  afterAll(async () => {
    await server.close();
    expect(seen.filter((b) => b.includes(PASSWORD))).toEqual([]);
  });

  it('workflow/endpoint/ is the endpoint list, not a workflow id', async () => {
    const wf = await createWorkflow(server, who.owner, 'ep-route');
    const r = await req('GET', 'workflow/endpoint/', who.owner);
    expect(r.status).toBe(200);
    expect(Array.isArray(r.body)).toBe(true);
    expect(
      r.body
        .filter((e: { workflow: string }) => e.workflow === wf.id)
        .map((e: { endpoint_type: string }) => e.endpoint_type),
    ).toEqual(['SOURCE', 'DESTINATION']);
    const sources = await req('GET', 'workflow/endpoint/?endpoint_type=SOURCE', who.owner);
    expect(sources.body.length).toBeGreaterThan(0);
    expect(sources.body.every((e: { endpoint_type: string }) => e.endpoint_type === 'SOURCE')).toBe(true);
    // Not visible, or not a UUID: an empty list, as a filter that matches nothing.
    expect((await req('GET', `workflow/endpoint/?workflow=${wf.id}`, who.outsider)).body).toEqual([]);
    expect((await req('GET', 'workflow/endpoint/?workflow=nope', who.owner)).body).toEqual([]);
  });

  it('lists two endpoints per workflow under stable ids', async () => {
    const wf = await createWorkflow(server, who.owner, 'ep-stable', {
      source_settings: { connector: 'inline', settings: { records: [{ id: 1 }] } },
      destination_settings: { connector: 'none', settings: {} },
    });
    const first = await endpointsOf(wf.id);
    expect(first).toHaveLength(2);
    expect(first.map((e) => e.endpoint_type)).toEqual(['SOURCE', 'DESTINATION']);
    expect(first[0]).toMatchObject({
      workflow: wf.id,
      workflow_name: 'ep-stable',
      endpoint_type: 'SOURCE',
      connection_type: '',
      configuration: { records: [{ id: 1 }] },
      connector_instance: null,
    });
    expect(typeof first[0]!.created_at).toBe('string');
    const ids = first.map((e) => e.id);
    expect(new Set([...ids, wf.id]).size).toBe(3);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // The same ids on every read, from every route.
    expect((await endpointsOf(wf.id)).map((e) => e.id)).toEqual(ids);
    expect((await req('GET', `workflow/${wf.id}/endpoint/`, who.owner)).body.map((e: { id: string }) => e.id)).toEqual(
      ids,
    );
    const one = await req('GET', `workflow/endpoint/${ids[1]}/`, who.owner);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(first[1]);
    // A change of the workflow keeps them.
    await req('PATCH', `workflow/${wf.id}/`, who.owner, { description: 'changed' });
    expect((await endpointsOf(wf.id)).map((e) => e.id)).toEqual(ids);
  });

  it('PATCH sets the source connector instance to a connection of the organization', async () => {
    const conn = await server.connection({ name: 'ep-warehouse', kind: 'postgres', settings: pgSettings });
    const wf = await createWorkflow(server, who.owner, 'ep-patch');
    const source = await endpoint(wf.id, 'SOURCE');
    const r = await req('PATCH', `workflow/endpoint/${source.id}/`, who.owner, {
      connector_instance_id: conn.id,
      configuration: { table: 'orders' },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      id: source.id,
      workflow: wf.id,
      endpoint_type: 'SOURCE',
      connection_type: 'DATABASE',
      configuration: { table: 'orders' },
      connector_instance: {
        id: conn.id,
        connector_name: 'ep-warehouse',
        connector_id: 'postgres',
        connector_mode: 'DATABASE',
      },
    });
    expect(r.body.connector_instance.connector_metadata.password).toBe('********');
    const got = await req('GET', `workflow/${wf.id}/`, who.owner);
    expect(got.body.source_settings).toEqual({
      connector: 'postgres',
      connection: conn.id,
      settings: { table: 'orders' },
    });
    expect(got.body.destination_settings).toBeNull();

    // `connector_instance` (an id, or the object a GET returned) is taken as well; configuration is kept when not given.
    const again = await req('PATCH', `workflow/endpoint/${source.id}/`, who.owner, {
      connector_instance: r.body.connector_instance,
    });
    expect(again.status).toBe(200);
    expect(again.body.configuration).toEqual({ table: 'orders' });
    const read = await req('GET', `workflow/endpoint/${source.id}/`, who.owner);
    expect(read.body).toMatchObject({ connection_type: 'DATABASE', connector_instance: { id: conn.id } });

    // The engine checks the configuration: a postgres source needs a table or a query.
    const bad = await req('PATCH', `workflow/endpoint/${source.id}/`, who.owner, { configuration: { nope: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.type).toBe('validation_error');
    expect(bad.body.errors.length).toBeGreaterThan(0);
    expect(
      bad.body.errors.every((e: { attr: string }) => e.attr === 'configuration' || e.attr.startsWith('configuration.')),
    ).toBe(true);

    // The destination: a connection type alone, then cleared with "".
    const destination = await endpoint(wf.id, 'DESTINATION');
    const fs = await req('PATCH', `workflow/endpoint/${destination.id}/`, who.owner, {
      connection_type: 'FILESYSTEM',
      configuration: { path: 'out' },
    });
    expect(fs.status).toBe(200);
    expect(fs.body).toMatchObject({ connection_type: 'FILESYSTEM', connector_instance: null });
    expect((await req('GET', `workflow/${wf.id}/`, who.owner)).body.destination_settings).toMatchObject({
      connector: 'filesystem',
      connection: null,
    });
    const cleared = await req('PATCH', `workflow/endpoint/${destination.id}/`, who.owner, {
      connection_type: '',
      connector_instance_id: null,
    });
    expect(cleared.body).toMatchObject({ connection_type: '', configuration: null, connector_instance: null });
    expect((await req('GET', `workflow/${wf.id}/`, who.owner)).body.destination_settings).toBeNull();
  });

  it("refuses another organization's connector, a wrong kind and inline credentials (400)", async () => {
    const other = await server.organization(`ep-other-${Date.now() % 100000}`);
    const theirs = await server.connection(
      { name: 'ep-theirs', kind: 'postgres', settings: pgSettings },
      { orgSlug: other.slug, as: other.admin },
    );
    const hook = await server.connection({
      name: 'ep-hook',
      kind: 'webhook',
      settings: { url: 'http://127.0.0.1:9/hook' },
    });
    const wf = await createWorkflow(server, who.owner, 'ep-refuse');
    const source = await endpoint(wf.id, 'SOURCE');

    const foreign = await req('PATCH', `workflow/endpoint/${source.id}/`, who.owner, {
      connector_instance_id: theirs.id,
      configuration: { table: 'users' },
    });
    expect(foreign.status).toBe(400);
    expect(foreign.body).toEqual({
      type: 'validation_error',
      errors: [
        {
          code: 'does_not_exist',
          detail: `Invalid pk "${theirs.id}" - object does not exist.`,
          attr: 'connector_instance_id',
        },
      ],
    });
    const foreignAlias = await req('PATCH', `workflow/endpoint/${source.id}/`, who.owner, {
      connector_instance: theirs.id,
    });
    expect(foreignAlias.body.errors).toEqual([
      expect.objectContaining({ code: 'does_not_exist', attr: 'connector_instance' }),
    ]);
    const typed = await req('PATCH', `workflow/endpoint/${source.id}/`, who.owner, { connector_instance_id: 5 });
    expect(typed.body.errors).toEqual([
      {
        code: 'incorrect_type',
        detail: 'Incorrect type. Expected pk value, received int.',
        attr: 'connector_instance_id',
      },
    ]);

    // A webhook connection as a source: core refuses a connection the (webhook) source connector cannot take.
    const kind = await req('PATCH', `workflow/endpoint/${source.id}/`, who.owner, { connector_instance_id: hook.id });
    expect(kind.status).toBe(400);
    expect(kind.body.errors.map((e: { attr: string }) => e.attr)).toContain('connector_instance_id');

    // Targets and credentials never go into a workflow.
    const inline = await req('PATCH', `workflow/endpoint/${source.id}/`, who.owner, {
      connection_type: 'DATABASE',
      configuration: { connectionString: `postgres://reader:${PASSWORD}@127.0.0.1:5432/warehouse`, table: 'users' },
    });
    expect(inline.status).toBe(400);
    expect(inline.body.errors.map((e: { attr: string }) => e.attr)).toContain('configuration.connectionString');

    // A database endpoint needs its connector instance.
    const missing = await req('PATCH', `workflow/endpoint/${source.id}/`, who.owner, {
      connection_type: 'DATABASE',
      configuration: { table: 'users' },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual([expect.objectContaining({ code: 'required', attr: 'connector_instance' })]);

    const badType = await req('PATCH', `workflow/endpoint/${source.id}/`, who.owner, { connection_type: 'PIGEON' });
    expect(badType.body.errors).toEqual([
      { code: 'invalid_choice', detail: '"PIGEON" is not a valid choice.', attr: 'connection_type' },
    ]);
    const put = await req('PUT', `workflow/endpoint/${source.id}/`, who.owner, { configuration: {} });
    expect(put.body.errors).toEqual([
      { code: 'required', detail: 'This field is required.', attr: 'connector_instance_id' },
    ]);

    // Nothing was saved.
    expect((await req('GET', `workflow/${wf.id}/`, who.owner)).body.source_settings).toBeNull();
  });

  it('readers read, owners update: a member without ownership 403, an outsider 404', async () => {
    const conn = await server.connection({ name: 'ep-perm', kind: 'postgres', settings: pgSettings });
    const wf = await createWorkflow(server, who.owner, 'ep-perm');
    expect((await req('POST', `workflow/${wf.id}/share/`, who.owner, { shared_users: [who.shared.id] })).status).toBe(
      200,
    );
    const [source, destination] = await endpointsOf(wf.id);
    const patch = { connector_instance_id: conn.id, configuration: { table: 'users' } };

    const read = await req('GET', `workflow/endpoint/${source!.id}/`, who.shared);
    expect(read.status).toBe(200);
    expect((await endpointsOf(wf.id, who.shared)).map((e) => e.id)).toEqual([source!.id, destination!.id]);
    for (const method of ['PATCH', 'PUT']) {
      const r = await req(method, `workflow/endpoint/${source!.id}/`, who.shared, patch);
      expect([method, r.status, r.body]).toEqual([
        method,
        403,
        {
          type: 'client_error',
          errors: [
            { code: 'permission_denied', detail: 'You do not have permission to perform this action.', attr: null },
          ],
        },
      ]);
    }

    const notFound = { type: 'client_error', errors: [{ code: 'not_found', detail: 'Not found.', attr: null }] };
    for (const [method, path] of [
      ['GET', `workflow/endpoint/${source!.id}/`],
      ['PATCH', `workflow/endpoint/${source!.id}/`],
      ['PUT', `workflow/endpoint/${destination!.id}/`],
      ['GET', `workflow/endpoint/${destination!.id}/settings/`],
      ['GET', `workflow/endpoint/${wf.id}/`],
      ['GET', 'workflow/endpoint/not-a-uuid/'],
    ] as const) {
      const r = await req(method, path, who.outsider, method === 'GET' ? undefined : patch);
      expect([method, path, r.status, r.body]).toEqual([method, path, 404, notFound]);
    }
    const list = await req('GET', `workflow/${wf.id}/endpoint/`, who.outsider);
    expect([list.status, list.body]).toEqual([
      404,
      { type: 'client_error', errors: [{ code: 'error', detail: 'Workflow does not exist', attr: null }] },
    ]);
    expect((await req('GET', `workflow/${wf.id}/`, who.owner)).body.source_settings).toBeNull();

    // The owner may.
    const own = await req('PUT', `workflow/endpoint/${source!.id}/`, who.owner, patch);
    expect(own.status).toBe(200);
    expect(own.body.connector_instance.id).toBe(conn.id);
  });

  it('settings/ gives the JSON Schema of the endpoint connector', async () => {
    const wf = await createWorkflow(server, who.owner, 'ep-settings', {
      source_settings: { connector: 'inline', settings: { records: [] } },
    });
    const [source, destination] = await endpointsOf(wf.id);
    const s = await req('GET', `workflow/endpoint/${source!.id}/settings/`, who.owner);
    expect(s.status).toBe(200);
    expect(s.body).toMatchObject({
      status: 200,
      schema: { type: 'object', properties: { records: expect.any(Object) } },
    });
    expect((await req('GET', `workflow/endpoint/${destination!.id}/settings/`, who.owner)).body).toEqual({
      status: 200,
      schema: null,
    });
  });
});
