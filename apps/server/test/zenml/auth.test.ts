import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/test-server.js';
import { call, get, login } from './zenml-support.js';

describe('zenml: login, sessions and server info', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  const form = (fields: Record<string, string>) => ({ method: 'POST', body: new URLSearchParams(fields) });

  it('GET /api/v1/info answers without credentials', async () => {
    const res = await call(server, '/api/v1/info');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: 'pipewright',
      version: '0.1.0',
      active: true,
      auth_scheme: 'OAUTH2_PASSWORD_BEARER',
      deployment_type: 'other',
      analytics_enabled: false,
    });
    expect(res.body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect((await call(server, '/api/v1/info')).body.id).toBe(res.body.id);
  });

  it('password login returns a bearer token and sets an HttpOnly, SameSite=Lax session cookie', async () => {
    const res = await server.fetch(
      '/api/v1/login',
      form({ grant_type: 'password', username: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'bearer' });
    expect(typeof body.access_token).toBe('string');
    expect(body).toHaveProperty('expires_in');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^zenml-token=[^;]+/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
    const me = await get(server, '/api/v1/current-user', body.access_token as string);
    expect(me.name).toBe(ADMIN_EMAIL);
  });

  it('the grant type defaults to password when a username is given, and to the API-key grant otherwise', async () => {
    expect(
      (await server.fetch('/api/v1/login', form({ username: ADMIN_EMAIL, password: ADMIN_PASSWORD }))).status,
    ).toBe(200);
    const byKey = await server.fetch('/api/v1/login', form({ password: server.admin.apiKey }));
    expect(byKey.status).toBe(200);
    const explicit = await server.fetch(
      '/api/v1/login',
      form({ grant_type: 'zenml-api-key', password: server.admin.apiKey }),
    );
    expect(explicit.status).toBe(200);
  });

  it('bad credentials are 401 in ZenML’s body', async () => {
    const res = await call(server, '/api/v1/login', form({ username: ADMIN_EMAIL, password: 'wrong-password' }));
    expect(res).toMatchObject({
      status: 401,
      body: { detail: ['AuthorizationException', 'Authentication error: invalid username or password'] },
    });
    const unknown = await call(
      server,
      '/api/v1/login',
      form({ username: 'nobody@example.com', password: 'whatever-1' }),
    );
    expect(unknown.body).toEqual(res.body);
    const badKey = await call(
      server,
      '/api/v1/login',
      form({ grant_type: 'zenml-api-key', password: 'api_' + 'x'.repeat(43) }),
    );
    expect(badKey.body).toEqual(res.body);
  });

  it('malformed login requests are 400 with a string detail', async () => {
    expect(await call(server, '/api/v1/login', form({ grant_type: 'password', password: 'x' }))).toMatchObject({
      status: 400,
      body: { detail: 'Invalid request: username is required.' },
    });
    expect(await call(server, '/api/v1/login', form({ grant_type: 'zenml-api-key' }))).toMatchObject({
      status: 400,
      body: { detail: 'API key is required.' },
    });
    expect(await call(server, '/api/v1/login', form({ grant_type: 'client_credentials' }))).toMatchObject({
      status: 400,
      body: { detail: 'Unsupported grant type: client_credentials' },
    });
  });

  it('a missing token is 401 {"detail": "Not authenticated"} with WWW-Authenticate: Bearer', async () => {
    for (const path of [
      '/api/v1/pipelines',
      '/api/v1/runs',
      '/api/v1/projects',
      '/api/v1/tags',
      '/api/v1/current-user',
      '/api/v1/users',
      '/api/v1/settings',
      '/api/v1/onboarding_state',
    ]) {
      const res = await call(server, path);
      expect({ path, status: res.status, body: res.body }).toEqual({
        path,
        status: 401,
        body: { detail: 'Not authenticated' },
      });
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
  });

  it('a header in another scheme counts as no token', async () => {
    const res = await call(server, '/api/v1/pipelines', {
      headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
    });
    expect(res).toMatchObject({ status: 401, body: { detail: 'Not authenticated' } });
  });

  it('a bad or forged token is 401 with AuthorizationException', async () => {
    const token = await login(server, ADMIN_EMAIL, ADMIN_PASSWORD);
    for (const bad of ['not-a-token', `${token.slice(0, -4)}AAAA`]) {
      const res = await call(server, '/api/v1/pipelines', { auth: bad });
      expect(res.status).toBe(401);
      expect(res.body.detail[0]).toBe('AuthorizationException');
      expect(res.body.detail[1]).toMatch(/^Authentication error: error decoding access token/);
    }
  });

  it('pipeline keys are refused (they only serve public execute routes)', async () => {
    const wf = await server.core.workflows.create(server.admin.actor, { name: 'auth-wf' });
    const { key } = await server.core.pipelines.create(server.admin.actor, { name: 'auth-p', workflowId: wf.id });
    const res = await call(server, '/api/v1/pipelines', { auth: key.secret });
    expect(res.status).toBe(401);
  });

  it('the session cookie authenticates every route, and logout clears it', async () => {
    const res = await server.fetch('/api/v1/login', form({ username: ADMIN_EMAIL, password: ADMIN_PASSWORD }));
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    for (const path of ['/api/v1/pipelines', '/api/v1/current-user', '/api/v1/projects', '/api/v1/settings']) {
      expect({ path, status: (await server.fetch(path, { headers: { cookie } })).status }).toEqual({
        path,
        status: 200,
      });
    }
    const out = await server.fetch('/api/v1/logout', { headers: { cookie } });
    expect(out.status).toBe(200);
    expect(await out.json()).toBeNull();
    expect(out.headers.get('set-cookie')).toMatch(/^zenml-token=;.*Expires=Thu, 01 Jan 1970/);
    // The browser drops the cookie; without it the session is gone.
    expect((await call(server, '/api/v1/current-user')).status).toBe(401);
  });

  it('a stale cookie does not lock out a valid bearer header', async () => {
    const token = await login(server, ADMIN_EMAIL, ADMIN_PASSWORD);
    const res = await server.fetch('/api/v1/current-user', {
      headers: { cookie: 'zenml-token=stale', authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
  });

  it('unknown routes are 404 in ZenML’s body, with or without a valid session', async () => {
    const token = await login(server, ADMIN_EMAIL, ADMIN_PASSWORD);
    expect(await call(server, '/api/v1/no-such-thing', { auth: token })).toMatchObject({
      status: 404,
      body: { detail: 'Not Found' },
    });
    expect(await call(server, '/api/v1/no-such-thing')).toMatchObject({ status: 404, body: { detail: 'Not Found' } });
    expect(await call(server, '/api/v1/pipelines/x/y/z', { auth: token })).toMatchObject({
      status: 404,
      body: { detail: 'Not Found' },
    });
  });

  it('current-user, users and a user by id or name answer in ZenML’s user shape', async () => {
    const token = await login(server, ADMIN_EMAIL, ADMIN_PASSWORD);
    const me = await get(server, '/api/v1/current-user', token);
    expect(me).toMatchObject({
      id: server.admin.id,
      name: ADMIN_EMAIL,
      permission_denied: false,
      body: {
        active: true,
        email_opted_in: false,
        is_admin: true,
        is_service_account: false,
        full_name: 'admin',
        default_project_id: server.org.id,
      },
      metadata: { email: ADMIN_EMAIL, user_metadata: {} },
      resources: {},
    });
    expect((await get(server, '/api/v1/current-user?hydrate=false', token)).metadata).toBeNull();

    const member = await server.user({ role: 'member' });
    const users = await get(server, '/api/v1/users', token);
    expect(users).toMatchObject({ index: 1, max_size: 20, total_pages: 1 });
    const shown = users.items.find((u: { id: string }) => u.id === member.id);
    expect(shown).toMatchObject({ name: member.email, body: { is_admin: false, active: true }, metadata: null });
    expect((await get(server, `/api/v1/users/${member.id}`, token)).metadata).toEqual({
      email: member.email,
      external_user_id: null,
      user_metadata: {},
    });
    expect((await get(server, `/api/v1/users/${encodeURIComponent(member.email)}`, token)).id).toBe(member.id);
    expect(await call(server, '/api/v1/users/nobody@example.com', { auth: token })).toMatchObject({
      status: 404,
      body: { detail: ['KeyError', expect.stringMatching(/^'.*nobody@example.com.*'$/)] },
    });
  });

  it('settings and onboarding_state answer in ZenML’s shapes', async () => {
    const token = await login(server, ADMIN_EMAIL, ADMIN_PASSWORD);
    const info = await get(server, '/api/v1/info', token);
    const settings = await get(server, '/api/v1/settings', token);
    expect(settings).toMatchObject({
      id: info.id,
      permission_denied: false,
      body: { server_id: info.id, server_name: 'pipewright', active: true, enable_analytics: false, logo_url: null },
      metadata: {},
    });
    expect((await get(server, '/api/v1/settings?hydrate=false', token)).metadata).toBeNull();
    expect(await get(server, '/api/v1/onboarding_state', token)).toEqual(expect.arrayContaining(['device_verified']));
  });
});
