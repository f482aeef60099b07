import { startTestServer, type TestServer } from '../support/test-server.js';
import { api, call, cast, createPipeline, type Cast } from './unstract-support.js';

// Unstract's auth middleware: a platform credential, and membership of the org in the path.
describe('unstract auth and organization access', () => {
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

  it('accepts a personal key and an access token', async () => {
    expect((await call(server, 'GET', `${base}/pipeline/`, { credential: who.owner.apiKey })).status).toBe(200);
    expect((await call(server, 'GET', `${base}/pipeline/`, { credential: who.owner.token })).status).toBe(200);
  });

  it('answers 401 {"message": "Unauthorized"} without a credential, with a bad one or a malformed header', async () => {
    for (const r of [
      await call(server, 'GET', `${base}/pipeline/`, { as: null }),
      await call(server, 'GET', `${base}/pipeline/`, { credential: 'not-a-token' }),
      await call(server, 'GET', `${base}/pipeline/`, { as: null, headers: { authorization: 'Basic abc' } }),
      await call(server, 'POST', `${base}/workflow/`, { as: null, json: { workflow_name: 'x' } }),
    ]) {
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ message: 'Unauthorized' });
    }
  });

  it('refuses a pipeline key on the platform routes (401)', async () => {
    const p = await createPipeline(server, who.owner, 'auth-key');
    const keys = await call(server, 'GET', `${base}/api/keys/pipeline/${p.id}/`, { as: who.owner });
    const r = await call(server, 'GET', `${base}/pipeline/`, { credential: keys.body[0].api_key });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ message: 'Unauthorized' });
  });

  it('answers 403 {"message": "Organization access denied"} to a principal outside the org, and for an unknown org', async () => {
    const foreign = await call(server, 'GET', `${base}/pipeline/`, { as: who.foreign });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toEqual({ message: 'Organization access denied' });
    const unknown = await call(server, 'GET', `${api('no-such-org')}/pipeline/`, { as: who.owner });
    expect(unknown.status).toBe(403);
    expect(unknown.body).toEqual({ message: 'Organization access denied' });
    expect((await call(server, 'GET', `${api(who.foreignSlug)}/pipeline/`, { as: who.foreign })).status).toBe(200);
  });

  it('binds a personal key to its organization, while a token follows memberships', async () => {
    const foreignOrg = (await server.core.auth.findOrganization({ slug: who.foreignSlug }))!;
    await server.core.admin.addMember(
      { kind: 'user', userId: who.foreign.id, orgId: foreignOrg.id, role: 'admin' },
      { userId: who.member.id },
    );
    const byKey = await call(server, 'GET', `${api(who.foreignSlug)}/pipeline/`, { credential: who.member.apiKey });
    expect(byKey.status).toBe(403);
    expect(byKey.body).toEqual({ message: 'Organization access denied' });
    expect(
      (await call(server, 'GET', `${api(who.foreignSlug)}/pipeline/`, { credential: who.member.token })).status,
    ).toBe(200);
  });

  it('answers unknown routes with the error format (after authentication)', async () => {
    const r = await call(server, 'GET', `${base}/no-such-thing/`, { as: who.owner });
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ type: 'client_error', errors: [{ code: 'not_found', detail: 'Not found.', attr: null }] });
    expect((await call(server, 'GET', `${base}/no-such-thing/`, { as: null })).status).toBe(401);
  });

  it('answers a malformed JSON body with a parse error', async () => {
    const r = await call(server, 'POST', `${base}/workflow/`, {
      as: who.owner,
      body: '{"workflow_name": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(r.status).toBe(400);
    expect(r.body.type).toBe('client_error');
    expect(r.body.errors[0]).toMatchObject({ code: 'parse_error', attr: null });
  });

  it('answers a body that is not an object with a non-field validation error', async () => {
    const r = await call(server, 'POST', `${base}/workflow/`, { as: who.owner, json: ['a'] });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      type: 'validation_error',
      errors: [
        { code: 'invalid', detail: 'Invalid data. Expected a dictionary, but got list.', attr: 'non_field_errors' },
      ],
    });
  });
});
