import type { Actor } from '@pipewright/core';
import { startTestServer, type TestServer, type TestUser } from '../support/test-server.js';
import { api, call, type Reply } from '../unstract/unstract-support.js';

/**
 * Connections through HTTP: the native resource (admins write, members read, other
 * organizations see nothing), Unstract's connector instances and Meergo's connections over
 * the same objects, workflows naming them — and never a secret in any answer.
 */

const PASSWORD = 'pw-Sup3r-S3cret-a1';
const ROTATED = 'pw-R0tated-S3cret-b2';
const TOKEN = 'tok-Hidden-Value-c3';
const SECRETS = [PASSWORD, ROTATED, TOKEN];

let server: TestServer;
let member: TestUser;
let other: { slug: string; admin: TestUser; member: TestUser; id: string; seq: number };
/** Every body the server answered in this file: none may carry a secret. */
const seen: string[] = [];

const native = (slug: string) => `/admin/api/v1/organizations/${slug}/connections`;

async function req(
  method: string,
  path: string,
  as: TestUser | null,
  json?: unknown,
  headers?: Record<string, string>,
): Promise<Reply> {
  const r = await call(server, method, path, { as, json, headers });
  seen.push(typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
  return r;
}

const pgSettings = (password: string | undefined = PASSWORD) => ({
  host: '127.0.0.1',
  port: 5432,
  database: 'warehouse',
  user: 'reader',
  ...(password !== undefined ? { password } : {}),
});

const serviceOf = (orgId: string, userId: string): Actor => ({ kind: 'service', userId, orgId, role: 'admin' });

beforeAll(async () => {
  server = await startTestServer();
  member = await server.user({ role: 'member' });
  const org = await server.organization(`conn-other-${Date.now() % 100000}`);
  other = { ...org, member: await server.user({ role: 'member', orgSlug: org.slug }) };
});

afterAll(async () => {
  await server?.close();
});

afterAll(() => {
  // The rule of the whole file: no answer ever carried a secret value.
  const leaked = SECRETS.filter((s) => seen.some((body) => body.includes(s)));
  expect(leaked).toEqual([]);
});

describe('native connections', () => {
  it('lists the connection kinds with their schemas and secret fields', async () => {
    const r = await req('GET', '/admin/api/v1/connection-kinds', member);
    expect(r.status).toBe(200);
    const names = r.body.items.map((k: { name: string }) => k.name);
    expect(names).toEqual(expect.arrayContaining(['postgres', 'webhook', 'filesystem']));
    const pg = r.body.items.find((k: { name: string }) => k.name === 'postgres');
    expect(pg.secret_fields).toContain('password');
    expect(pg.settings_schema).toMatchObject({ type: 'object' });
  });

  it('an admin creates, reads, rotates, renames and deletes a postgres connection; secrets stay masked', async () => {
    const created = await req('POST', native(server.org.slug), server.admin, {
      name: 'warehouse',
      kind: 'postgres',
      description: 'The warehouse',
      settings: pgSettings(),
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'warehouse',
      kind: 'postgres',
      description: 'The warehouse',
      settings: { host: '127.0.0.1', port: 5432, database: 'warehouse', user: 'reader', password: '********' },
      secret_fields: ['password'],
      has_password: true,
      has_token: false,
      has_headers: false,
      created_by: server.admin.id,
      modified_by: server.admin.id,
    });
    expect(created.body.seq).toEqual(expect.any(Number));
    const id = created.body.id as string;
    const plain = async () => (await server.core.connections.resolve(server.org.id, id)).settings;
    expect(await plain()).toMatchObject({ password: PASSWORD });

    const list = await req('GET', `${native(server.org.slug)}?kind=postgres&search=wareh`, member);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total: 1, next_cursor: null });
    expect(list.body.items[0]).toMatchObject({ id, settings: { password: '********' } });

    const got = await req('GET', `${native(server.org.slug)}/${id}`, member);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id, workflows: [], has_password: true });

    // Rotation: a new value replaces the secret, other settings stay.
    const rotated = await req('PATCH', `${native(server.org.slug)}/${id}`, server.admin, {
      settings: { password: ROTATED },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.settings).toMatchObject({ host: '127.0.0.1', database: 'warehouse', password: '********' });
    expect(await plain()).toMatchObject({ password: ROTATED, host: '127.0.0.1' });

    // The mask sent back (a GET → PATCH round trip) or a secret left out keeps the value.
    const roundTrip = await req('PATCH', `${native(server.org.slug)}/${id}`, server.admin, {
      name: 'warehouse-ro',
      settings: { ...rotated.body.settings, database: 'warehouse2' },
    });
    expect(roundTrip.status).toBe(200);
    expect(roundTrip.body).toMatchObject({
      name: 'warehouse-ro',
      settings: { database: 'warehouse2', password: '********' },
    });
    expect(await plain()).toMatchObject({ password: ROTATED, database: 'warehouse2' });

    // null removes a secret.
    const removed = await req('PATCH', `${native(server.org.slug)}/${id}`, server.admin, {
      settings: { password: null },
    });
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ has_password: false, secret_fields: [] });
    expect(removed.body.settings.password).toBeUndefined();
    expect((await plain()).password).toBeUndefined();

    expect((await req('DELETE', `${native(server.org.slug)}/${id}`, server.admin)).status).toBe(204);
    expect((await req('GET', `${native(server.org.slug)}/${id}`, server.admin)).status).toBe(404);
  });

  it('refuses bad bodies, unknown kinds and duplicate names as problem+json', async () => {
    const bad = await call(server, 'POST', native(server.org.slug), { json: { name: '', kind: 'postgres' } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(
      (await req('POST', native(server.org.slug), server.admin, { name: 'x', kind: 'no-such-kind', settings: {} }))
        .status,
    ).toBe(400);
    expect(
      (
        await req('POST', native(server.org.slug), server.admin, {
          name: 'dup',
          kind: 'webhook',
          settings: { url: 'http://127.0.0.1:9/hook' },
        })
      ).status,
    ).toBe(201);
    const dup = await req('POST', native(server.org.slug), server.admin, {
      name: 'dup',
      kind: 'webhook',
      settings: { url: 'http://127.0.0.1:9/hook' },
    });
    expect(dup.status).toBe(409);
  });

  it('refuses a link-local target (cloud metadata) whatever the allow list', async () => {
    const r = await req('POST', native(server.org.slug), server.admin, {
      name: 'metadata',
      kind: 'webhook',
      settings: { url: 'http://169.254.169.254/latest/meta-data/' },
    });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toMatch(/egress|link-local|refused/i);
  });

  it('tests saved and unsaved settings: {ok, message} or {ok: false, error}, 200 either way', async () => {
    const closed = await req('POST', `${native(server.org.slug)}/test`, server.admin, {
      kind: 'postgres',
      settings: { host: '127.0.0.1', port: 1, database: 'x', user: 'x', password: PASSWORD },
    });
    expect(closed.status).toBe(200);
    expect(closed.body).toEqual({ ok: false, error: expect.any(String) });
    const created = await req('POST', native(server.org.slug), server.admin, {
      name: 'closed-port',
      kind: 'postgres',
      settings: { host: '127.0.0.1', port: 1, database: 'x', user: 'x', password: PASSWORD },
    });
    const saved = await req('POST', `${native(server.org.slug)}/${created.body.id}/test`, server.admin);
    expect(saved.status).toBe(200);
    expect(saved.body.ok).toBe(false);
    if (process.env.TEST_DATABASE_URL) {
      const ok = await req('POST', `${native(server.org.slug)}/test`, server.admin, {
        kind: 'postgres',
        settings: { connectionString: process.env.TEST_DATABASE_URL },
      });
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ ok: true, message: expect.any(String) });
    }
  });

  it('members read but do not write or test (403); pipeline keys are not served', async () => {
    const c = await server.connection({ name: 'members-see', kind: 'postgres', settings: pgSettings() });
    expect((await req('GET', `${native(server.org.slug)}/${c.id}`, member)).status).toBe(200);
    expect(
      (await req('POST', native(server.org.slug), member, { name: 'm', kind: 'postgres', settings: pgSettings() }))
        .status,
    ).toBe(403);
    expect((await req('PATCH', `${native(server.org.slug)}/${c.id}`, member, { name: 'renamed' })).status).toBe(403);
    expect((await req('DELETE', `${native(server.org.slug)}/${c.id}`, member)).status).toBe(403);
    expect((await req('POST', `${native(server.org.slug)}/${c.id}/test`, member)).status).toBe(403);
    expect(
      (await req('POST', `${native(server.org.slug)}/test`, member, { kind: 'postgres', settings: pgSettings() }))
        .status,
    ).toBe(403);
    expect((await req('GET', native(server.org.slug), null)).status).toBe(401);
  });

  it("another organization's connections are not found (404), by id and by slug", async () => {
    const theirs = await server.connection(
      { name: 'theirs', kind: 'postgres', settings: pgSettings() },
      { orgSlug: other.slug, as: other.admin },
    );
    expect((await req('GET', `${native(server.org.slug)}/${theirs.id}`, server.admin)).status).toBe(404);
    expect((await req('PATCH', `${native(server.org.slug)}/${theirs.id}`, server.admin, { name: 'mine' })).status).toBe(
      404,
    );
    expect((await req('DELETE', `${native(server.org.slug)}/${theirs.id}`, server.admin)).status).toBe(404);
    expect((await req('GET', `${native(other.slug)}/${theirs.id}`, server.admin)).status).toBe(404);
    expect((await req('GET', native(other.slug), server.admin)).status).toBe(404);
    expect((await req('GET', `${native(server.org.slug)}/not-a-uuid`, server.admin)).status).toBe(404);
  });
});

describe('Unstract connectors', () => {
  const base = () => `${api(server.org.slug)}/connector`;

  it('creates, lists, reads, updates (PUT round trip keeps secrets, PATCH merges) and deletes', async () => {
    const created = await req('POST', `${base()}/`, server.admin, {
      connector_name: 'u-warehouse',
      connector_id: 'postgresql|6db35f45-be11-4fd5-80c5-85c48183afbb',
      connector_metadata: pgSettings(),
      connector_type: 'INPUT',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      connector_name: 'u-warehouse',
      connector_id: 'postgres',
      connector_metadata: { host: '127.0.0.1', password: '********' },
      connector_mode: 'DATABASE',
      // Unstract user ids are integers (the users' seq).
      created_by: expect.any(Number),
      organization: server.org.id,
    });
    expect(created.body.modified_by).toBe(created.body.created_by);
    const id = created.body.id as string;

    const list = await req('GET', `${base()}/?page_size=1`, member);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({
      count: expect.any(Number),
      previous: null,
      results: [expect.objectContaining({ connector_metadata: expect.any(Object) })],
    });
    const filtered = await req('GET', `${base()}/?connector_name=u-warehouse`, member);
    expect(filtered.body).toMatchObject({ count: 1, next: null, results: [{ id }] });

    const got = await req('GET', `${base()}/${id}/`, member);
    expect(got.status).toBe(200);
    const put = await req('PUT', `${base()}/${id}/`, server.admin, { ...got.body, connector_name: 'u-warehouse-2' });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ connector_name: 'u-warehouse-2', connector_metadata: { password: '********' } });
    expect((await server.core.connections.resolve(server.org.id, id)).settings).toMatchObject({ password: PASSWORD });

    const patched = await req('PATCH', `${base()}/${id}/`, server.admin, { connector_metadata: { password: ROTATED } });
    expect(patched.status).toBe(200);
    expect(patched.body.connector_metadata).toMatchObject({
      host: '127.0.0.1',
      database: 'warehouse',
      password: '********',
    });
    expect((await server.core.connections.resolve(server.org.id, id)).settings).toMatchObject({ password: ROTATED });

    const kind = await req('PATCH', `${base()}/${id}/`, server.admin, { connector_id: 'webhook' });
    expect(kind.status).toBe(400);
    expect(kind.body).toMatchObject({ type: 'validation_error', errors: [{ attr: 'connector_id' }] });

    expect((await req('DELETE', `${base()}/${id}/`, server.admin)).status).toBe(204);
    expect((await req('GET', `${base()}/${id}/`, server.admin)).body).toEqual({
      type: 'client_error',
      errors: [{ code: 'not_found', detail: 'Connector not found.', attr: null }],
    });
  });

  it('answers in its error shape: duplicates, bad metadata, members (403), other orgs (404)', async () => {
    await req('POST', `${base()}/`, server.admin, {
      connector_name: 'u-dup',
      connector_id: 'webhook',
      connector_metadata: { url: 'http://127.0.0.1:9/x', token: TOKEN },
    });
    const dup = await req('POST', `${base()}/`, server.admin, {
      connector_name: 'u-dup',
      connector_id: 'webhook',
      connector_metadata: { url: 'http://127.0.0.1:9/x' },
    });
    expect(dup.status).toBe(400);
    expect(dup.body).toMatchObject({ type: 'validation_error', errors: [{ code: 'unique', attr: 'connector_name' }] });
    const missing = await req('POST', `${base()}/`, server.admin, { connector_id: 'webhook' });
    expect(missing.body).toMatchObject({
      type: 'validation_error',
      errors: [{ code: 'required', attr: 'connector_name' }],
    });

    const denied = await req('POST', `${base()}/`, member, {
      connector_name: 'u-member',
      connector_id: 'webhook',
      connector_metadata: { url: 'http://127.0.0.1:9/x' },
    });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({
      type: 'client_error',
      errors: [{ code: 'permission_denied', detail: 'You do not have permission to perform this action.', attr: null }],
    });
    const theirs = await server.connection(
      { name: 'u-theirs', kind: 'webhook', settings: { url: 'http://127.0.0.1:9/x', token: TOKEN } },
      { orgSlug: other.slug, as: other.admin },
    );
    const foreign = await req('GET', `${base()}/${theirs.id}/`, server.admin);
    expect(foreign.status).toBe(404);
    expect(foreign.body.errors[0].detail).toBe('Connector not found.');
    expect((await req('DELETE', `${base()}/${theirs.id}/`, server.admin)).status).toBe(404);
    const mine = await req('GET', `${base()}/?connector_name=u-dup`, member);
    expect(mine.body.results[0]).toMatchObject({ connector_metadata: { token: '********' }, connector_mode: 'API' });
  });

  it('workflows name a connection by id or name and show its id; pipelines show its name', async () => {
    const conn = await server.connection({ name: 'wf-source', kind: 'postgres', settings: pgSettings() });
    const wf = await req('POST', `${api(server.org.slug)}/workflow/`, member, {
      workflow_name: 'names-a-connection',
      source_settings: { connector: 'postgres', connection: 'wf-source', settings: { table: 'users' } },
      destination_settings: { connector: 'none', settings: {} },
    });
    expect(wf.status).toBe(201);
    expect(wf.body.source_settings).toEqual({
      connector: 'postgres',
      connection: conn.id,
      settings: { table: 'users' },
    });
    expect(wf.body.destination_settings).toEqual({ connector: 'none', connection: null, settings: {} });
    const p = await req('POST', `${api(server.org.slug)}/pipeline/`, member, {
      pipeline_name: 'names-conn',
      workflow: wf.body.id,
    });
    expect(p.status).toBe(201);
    expect(p.body).toMatchObject({ source_name: 'postgres', source_instance_name: 'wf-source' });
    const usage = await req('GET', `${native(server.org.slug)}/${conn.id}`, member);
    expect(usage.body.workflows).toEqual([{ id: wf.body.id, name: 'names-a-connection' }]);
  });

  it("refuses another organization's connection (400) and inline credentials (400) in a workflow", async () => {
    const theirs = await server.connection(
      { name: 'not-yours', kind: 'postgres', settings: pgSettings() },
      { orgSlug: other.slug, as: other.admin },
    );
    const foreign = await req('POST', `${api(server.org.slug)}/workflow/`, member, {
      workflow_name: 'steals-a-connection',
      source_settings: { connector: 'postgres', connection: theirs.id, settings: { table: 'users' } },
    });
    expect(foreign.status).toBe(400);
    expect(foreign.body).toMatchObject({ type: 'validation_error', errors: [{ attr: 'source_settings.connection' }] });
    const byName = await req('POST', `${api(server.org.slug)}/workflow/`, member, {
      workflow_name: 'steals-by-name',
      source_settings: { connector: 'postgres', connection: 'not-yours', settings: { table: 'users' } },
    });
    expect(byName.status).toBe(400);

    const inline = await req('POST', `${api(server.org.slug)}/workflow/`, member, {
      workflow_name: 'inline-credentials',
      source_settings: {
        connector: 'postgres',
        settings: { connectionString: `postgres://reader:${PASSWORD}@127.0.0.1:5432/warehouse`, table: 'users' },
      },
    });
    expect(inline.status).toBe(400);
    expect(inline.body.type).toBe('validation_error');
    expect(inline.body.errors.map((e: { attr: string }) => e.attr)).toContain(
      'source_settings.settings.connectionString',
    );
  });
});

describe('Meergo connections', () => {
  const meergo = (user: TestUser, method: string, path: string, json?: unknown) => req(method, path, user, json);

  it('lists and reads connections by int id with their pipelines; 404 for other workspaces', async () => {
    const conn = await server.connection({ name: 'm-source', kind: 'postgres', settings: pgSettings() });
    const created = await meergo(member, 'POST', '/v1/pipelines', {
      name: 'm-conn-pipeline',
      connection: conn.seq,
      source: { connector: 'postgres', settings: { table: 'users' } },
      destination: { connector: 'none', settings: {} },
    });
    expect(created.status).toBe(200);
    const pipelineId = created.body.id as number;

    const list = await meergo(member, 'GET', '/v1/connections');
    expect(list.status).toBe(200);
    const shown = list.body.connections.find((c: { id: number }) => c.id === conn.seq);
    expect(shown).toMatchObject({
      id: conn.seq,
      uuid: conn.id,
      name: 'm-source',
      connector: 'postgres',
      role: 'Source',
      settings: { password: '********' },
      pipelines: [pipelineId],
    });

    const one = await meergo(member, 'GET', `/v1/connections/${conn.seq}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: conn.seq, pipelines: [pipelineId] });

    const theirs = await server.connection(
      { name: 'm-theirs', kind: 'postgres', settings: pgSettings() },
      { orgSlug: other.slug, as: other.admin },
    );
    const foreign = await meergo(member, 'GET', `/v1/connections/${theirs.seq}`);
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual({ error: { code: 'NotFound', message: `connection ${theirs.seq} does not exist` } });
    expect((await meergo(member, 'GET', '/v1/connections/abc')).status).toBe(400);
  });

  it("refuses another workspace's connection in a pipeline: 404 by int id, 400 by uuid; inline credentials 400", async () => {
    const theirs = await server.connection(
      { name: 'm-not-yours', kind: 'postgres', settings: pgSettings() },
      { orgSlug: other.slug, as: other.admin },
    );
    const byInt = await meergo(member, 'POST', '/v1/pipelines', {
      name: 'm-steal-int',
      connection: theirs.seq,
      source: { connector: 'postgres', settings: { table: 'users' } },
    });
    expect(byInt.status).toBe(404);
    expect(byInt.body).toEqual({ error: { code: 'NotFound', message: `connection ${theirs.seq} does not exist` } });
    const byUuid = await meergo(member, 'POST', '/v1/pipelines', {
      name: 'm-steal-uuid',
      source: { connector: 'postgres', connection: theirs.id, settings: { table: 'users' } },
    });
    expect(byUuid.status).toBe(400);
    expect(byUuid.body.error.code).toBe('BadRequest');
    expect(byUuid.body.error.message).toMatch(/connection/i);
    const inSource = await meergo(member, 'POST', '/v1/pipelines', {
      name: 'm-steal-src-int',
      source: { connector: 'postgres', connection: theirs.seq, settings: { table: 'users' } },
    });
    expect(inSource.status).toBe(400);
    const inline = await meergo(member, 'POST', '/v1/pipelines', {
      name: 'm-inline',
      source: {
        connector: 'postgres',
        settings: { connectionString: `postgres://reader:${PASSWORD}@127.0.0.1:5432/warehouse`, table: 'users' },
      },
    });
    expect(inline.status).toBe(400);
    expect(inline.body.error.code).toBe('BadRequest');
    const lonely = await meergo(member, 'POST', '/v1/pipelines', { name: 'm-lonely', connection: 1 });
    expect(lonely.status).toBe(400);
    // Nothing was left behind by the refused creations.
    const names = (
      await server.core.workflows.list(serviceOf(server.org.id, server.admin.id), {
        filters: [],
        logical: 'and',
        sort: [],
        page: { page: 1, size: 1000 },
      })
    ).items.map((w) => w.name);
    expect(names.filter((n) => n.startsWith('m-steal') || n.startsWith('m-inline'))).toEqual([]);
  });
});
