import { call, createOrg, createPrincipal, createWorkflowAndPipeline, login, rootToken, unstract, type Principal } from './support/http.js';
import { ROOT_EMAIL, ROOT_PASSWORD, createTestDatabase, startServerProcess, type ServerProcess, type TestDatabase } from './support/server-process.js';

// Issue 12 (5): issued secrets (passwords, personal keys, pipeline keys, tokens) never appear
// in plaintext in any table or in the server's logs; revoked keys stop working at once;
// login attempts are rate-limited.
const LOGIN_LIMIT = 5;

/** Every row of every table in the public schema, as text. */
async function allRows(db: TestDatabase): Promise<{ table: string; text: string }[]> {
  const tables = (await db.client.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)).rows.map((r) => r.tablename as string);
  const out: { table: string; text: string }[] = [];
  for (const table of tables) {
    const rows = await db.client.query(`SELECT t::text AS text FROM "${table}" t`);
    out.push({ table, text: rows.rows.map((r) => r.text).join('\n') });
  }
  return out;
}

describe('secrets', () => {
  let db: TestDatabase;
  let server: ServerProcess;
  let root: string;
  let alice: Principal;
  let bob: Principal;
  let pipelineKey: string;
  let pipelineKeyId: string;
  let pipelineId: string;

  beforeAll(async () => {
    db = await createTestDatabase('secrets');
    // Debug logging: the most a misconfigured production could write.
    server = await startServerProcess({ databaseUrl: db.url, env: { PIPEWRIGHT_SCHEDULER: 'off', LOG_LEVEL: 'debug', PIPEWRIGHT_LOGIN_RATE_LIMIT: String(LOGIN_LIMIT) } });
    root = await rootToken(server.base);
    await createOrg(server.base, root, 'acme');
    alice = await createPrincipal(server.base, root, 'acme', 'member', 'alice');
    bob = await createPrincipal(server.base, root, 'acme', 'member', 'bob');
    ({ pipelineId } = await createWorkflowAndPipeline(server.base, alice, 'keyed'));
    const created = await call(server.base, 'POST', `${unstract('acme')}/api/keys/pipeline/${pipelineId}/`, { auth: alice.key, json: { description: 'second' } });
    expect(created.status).toBe(201);
    pipelineKey = created.body.api_key;
    pipelineKeyId = created.body.id;
    expect(pipelineKey).toBeTruthy();
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    server?.cleanup();
    await db?.drop();
  });

  it('stores and logs no password, key or token in plaintext', async () => {
    // Use every credential in every place a careless server might echo or log it.
    for (const p of [alice, bob]) {
      await call(server.base, 'GET', '/admin/api/v1/me', { auth: p.key });
      await call(server.base, 'GET', '/api/v1/pipelines', { auth: p.token });
      await call(server.base, 'GET', '/v1/pipelines/runs', { auth: p.key });
      await call(server.base, 'GET', '/api/v1/jobs/status', { auth: p.token });
      await call(server.base, 'POST', '/api/v1/login', { body: new URLSearchParams({ username: p.email, password: `${p.password}-wrong` }) });
      await call(server.base, 'POST', '/api/v1/login', { body: new URLSearchParams({ password: p.key }) });
    }
    await call(server.base, 'POST', `/deployment/pipeline/api/acme/${pipelineId}/`, { auth: pipelineKey, json: {} });
    await call(server.base, 'PUT', `/admin/api/v1/users/${bob.id}/password`, { auth: bob.token, json: { current_password: bob.password, password: 'bob-new-password-1' } });

    const secrets: Record<string, string> = {
      'root password': ROOT_PASSWORD,
      'alice password': alice.password,
      'bob password': bob.password,
      'bob new password': 'bob-new-password-1',
      'alice key': alice.key,
      'bob key': bob.key,
      'alice token': alice.token,
      'root token': root,
      'pipeline key': pipelineKey,
    };
    const found: string[] = [];
    for (const { table, text } of await allRows(db)) {
      for (const [name, value] of Object.entries(secrets)) if (text.includes(value)) found.push(`${name} in table ${table}`);
    }
    const logs = server.logs();
    expect(logs.length).toBeGreaterThan(1000);
    for (const [name, value] of Object.entries(secrets)) if (logs.includes(value)) found.push(`${name} in the logs`);
    // The random part of a key must not appear either (e.g. logged without its prefix).
    for (const p of [alice, bob]) if (logs.includes(p.key.slice(8))) found.push(`${p.email}'s key body in the logs`);
    expect(found).toEqual([]);
  });

  it('stops a revoked personal key at once, in every dialect', async () => {
    const key = (await call(server.base, 'POST', '/admin/api/v1/api-keys', { auth: alice.token, json: { description: 'to revoke' } })).body as { id: string; key: string };
    const probes: [string, string][] = [
      ['GET', '/admin/api/v1/me'],
      ['GET', '/api/v1/pipelines'],
      ['GET', `${unstract('acme')}/pipeline/`],
      ['GET', '/v1/pipelines/runs'],
      ['GET', '/api/v1/jobs/status'],
    ];
    for (const [method, path] of probes) expect([method, path, (await call(server.base, method, path, { auth: key.key })).status]).toEqual([method, path, 200]);
    expect((await call(server.base, 'DELETE', `/admin/api/v1/api-keys/${key.id}`, { auth: alice.token })).status).toBe(204);
    // No delay, no cache: the very next request is refused.
    for (const [method, path] of probes) {
      const r = await call(server.base, method, path, { auth: key.key });
      expect([method, path, r.status]).toEqual([method, path, 401]);
    }
  });

  it('stops a deactivated pipeline key at once', async () => {
    const deploy = () => call(server.base, 'POST', `/deployment/pipeline/api/acme/${pipelineId}/`, { auth: pipelineKey, json: {} });
    expect((await deploy()).status).not.toBe(401);
    const off = await call(server.base, 'PUT', `${unstract('acme')}/api/keys/${pipelineKeyId}/`, { auth: alice.key, json: { is_active: false } });
    expect(off.status).toBe(200);
    expect((await deploy()).status).toBe(401);
  });

  it('rate-limits login attempts per account', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LOGIN_LIMIT + 2; i++) {
      const r = await call(server.base, 'POST', '/api/v1/login', { body: new URLSearchParams({ username: ROOT_EMAIL, password: `guess-${i}` }) });
      statuses.push(r.status);
      if (r.status === 429) expect(r.body).toEqual({ detail: ['AuthorizationException', 'Authentication error: too many login attempts; try again later'] });
    }
    expect(statuses).toContain(429);
    expect(statuses.slice(-1)).toEqual([429]);
    // Even the right password is refused while the account is limited.
    const right = await call(server.base, 'POST', '/api/v1/login', { body: new URLSearchParams({ username: ROOT_EMAIL, password: ROOT_PASSWORD }) });
    expect(right.status).toBe(429);
    await expect(login(server.base, ROOT_EMAIL, ROOT_PASSWORD)).rejects.toThrow(/429/);
  });
});
