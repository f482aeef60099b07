import { randomUUID } from 'node:crypto';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/test-server.js';
import { call } from './zenml-support.js';

/** Login and cookie-session hardening: repeated parameters, CSRF, Secure cookies, no-store, metrics token. */
describe('zenml: login and session hardening', () => {
  let server: TestServer;
  let cookie: string;
  beforeAll(async () => {
    server = await startTestServer({ config: { metricsToken: 'metrics-secret-1' } });
    const res = await server.fetch('/api/v1/login', {
      method: 'POST',
      body: new URLSearchParams({ username: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
    });
    cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  });
  afterAll(async () => {
    await server.close();
  });

  const loginBody = (pairs: Array<[string, string]>) => ({ method: 'POST', body: new URLSearchParams(pairs) });

  it('a login parameter given twice is a 400 (form field or JSON array), not a guess at which one counts', async () => {
    const form = await call(
      server,
      '/api/v1/login',
      loginBody([
        ['username', 'a@example.com'],
        ['username', ADMIN_EMAIL],
        ['password', ADMIN_PASSWORD],
      ]),
    );
    expect(form).toMatchObject({
      status: 400,
      body: { detail: 'Invalid request: username must be given once, as a string.' },
    });
    const json = await call(server, '/api/v1/login', {
      method: 'POST',
      json: { username: ['x@example.com', ADMIN_EMAIL], password: ADMIN_PASSWORD },
    });
    expect(json).toMatchObject({
      status: 400,
      body: { detail: 'Invalid request: username must be given once, as a string.' },
    });
  });

  it('a change sent cross-site with only the session cookie is refused; the same from our own pages or a client is not', async () => {
    const stop = (headers: Record<string, string>, auth?: string) =>
      call(server, `/api/v1/runs/${randomUUID()}/stop`, { method: 'POST', headers, auth });
    expect(await stop({ cookie, 'sec-fetch-site': 'cross-site' })).toMatchObject({
      status: 403,
      body: { detail: ['IllegalOperationError', expect.stringMatching(/^Cross-site request refused/)] },
    });
    expect((await stop({ cookie, 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await stop({ cookie, origin: 'https://evil.example' })).status).toBe(403);
    expect((await stop({ cookie, origin: 'null' })).status).toBe(403);
    // Same origin, no browser headers at all (curl), or a bearer header: the request goes on (to a 404 here).
    expect((await stop({ cookie, 'sec-fetch-site': 'same-origin' })).status).toBe(404);
    expect((await stop({ cookie, origin: server.baseUrl })).status).toBe(404);
    expect((await stop({ cookie })).status).toBe(404);
    expect((await stop({ 'sec-fetch-site': 'cross-site' }, server.admin.token)).status).toBe(404);
    // Reading is not a change.
    expect(
      (await server.fetch('/api/v1/current-user', { headers: { cookie, 'sec-fetch-site': 'cross-site' } })).status,
    ).toBe(200);
  });

  it('logout is a POST (GET still works for older clients)', async () => {
    const out = await server.fetch('/api/v1/logout', { method: 'POST', headers: { cookie } });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/^zenml-token=;.*Expires=Thu, 01 Jan 1970/);
  });

  it('answers carrying credentials are never cached', async () => {
    const res = await server.fetch('/api/v1/login', {
      method: 'POST',
      body: new URLSearchParams({ password: server.admin.apiKey }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(
      (await server.fetch('/admin/api/v1/api-keys', { method: 'POST', auth: server.admin.token })).headers.get(
        'cache-control',
      ),
    ).toBe('no-store');
  });

  it('/metrics needs its bearer token when one is configured', async () => {
    expect((await server.fetch('/metrics')).status).toBe(401);
    expect((await server.fetch('/metrics', { auth: 'wrong' })).status).toBe(401);
    const ok = await server.fetch('/metrics', { auth: 'metrics-secret-1' });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/^# HELP/m);
  });
});

describe('zenml: the per-account login limit', () => {
  it('counts the one username login uses, however it is spelt and from whichever address', async () => {
    // Behind a trusted proxy each attempt comes from another client address: only the account limit can stop them.
    const server = await startTestServer({ config: { loginRateLimitPerMinute: 3, trustProxy: 'loopback' } });
    try {
      const victim = `victim-${randomUUID()}@example.com`;
      const statuses: number[] = [];
      for (const [i, name] of [victim, ` ${victim}`, victim.toUpperCase(), victim].entries()) {
        const res = await server.fetch('/api/v1/login', {
          method: 'POST',
          body: new URLSearchParams({ username: name, password: 'wrong-password' }),
          headers: { 'x-forwarded-for': `203.0.113.${i + 1}` },
        });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
    } finally {
      await server.close();
    }
  });
});

describe('zenml: the session cookie behind a TLS proxy', () => {
  let server: TestServer;
  afterEach(async () => {
    await server?.close();
  });

  const login = () =>
    server.fetch('/api/v1/login', {
      method: 'POST',
      body: new URLSearchParams({ username: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
      headers: { 'x-forwarded-proto': 'https' },
    });

  it('is Secure when the trusted proxy says https', async () => {
    server = await startTestServer({ config: { trustProxy: 'loopback' } });
    expect((await login()).headers.get('set-cookie')).toMatch(/;\s*Secure/i);
  });

  it('is Secure when the public URL is https', async () => {
    server = await startTestServer({ config: { publicUrl: 'https://pipes.example.com' } });
    expect(
      (
        await server.fetch('/api/v1/login', {
          method: 'POST',
          body: new URLSearchParams({ username: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
        })
      ).headers.get('set-cookie'),
    ).toMatch(/;\s*Secure/i);
  });

  it('is not Secure on plain http with no proxy trusted (a forwarded header alone is not believed)', async () => {
    server = await startTestServer();
    expect((await login()).headers.get('set-cookie')).not.toMatch(/Secure/i);
  });
});
