import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

// Boots the real server process (`node apps/server/dist/main.js`) against Postgres when
// TEST_DATABASE_URL is set (CI), else against PGlite in a temporary data folder.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const main = join(root, 'apps/server/dist/main.js');

function ensureBuilt(): void {
  const srcNewer =
    !existsSync(main) || statSync(join(root, 'apps/server/src/create-app.ts')).mtimeMs > statSync(main).mtimeMs;
  if (srcNewer) {
    const r = spawnSync(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-b', join(root, 'tsconfig.build.json')],
      { stdio: 'inherit' },
    );
    if (r.status !== 0) throw new Error('build failed');
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolvePort(port));
    });
  });
}

async function waitReady(base: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output()}`);
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server did not become ready:\n${output()}`);
}

/** A fresh database on TEST_DATABASE_URL's server for one describe block (none without it: PGlite). */
async function processDatabase(prefix: string): Promise<{ url: string | undefined; drop(): Promise<void> }> {
  if (!process.env.TEST_DATABASE_URL) return { url: undefined, drop: async () => {} };
  const name = `${prefix}_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(process.env.TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

describe('the server process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pipewright-proc-'));
  let database: Awaited<ReturnType<typeof processDatabase>> | undefined;
  let databaseUrl: string | undefined;
  let child: ChildProcess;
  let base = '';
  let logs = '';

  beforeAll(async () => {
    ensureBuilt();
    database = await processDatabase('pipewright_test_proc');
    databaseUrl = database.url;
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [main], {
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        HOST: '127.0.0.1',
        PIPEWRIGHT_DATA_DIR: dataDir,
        PIPEWRIGHT_ADMIN_EMAIL: 'root@example.com',
        PIPEWRIGHT_ADMIN_PASSWORD: 'root-password-1',
        PIPEWRIGHT_DEFAULT_ORG: 'main',
        LOG_LEVEL: 'info',
        // Connections to the local Postgres are loopback targets (refused by default on Postgres);
        // the server's own database stays refused all the same.
        PIPEWRIGHT_EGRESS_ALLOW: 'loopback,private',
        ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (logs += d));
    child.stderr!.on('data', (d) => (logs += d));
    await waitReady(base, child, () => logs);
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const call = (path: string, init: RequestInit & { token?: string; json?: unknown } = {}) =>
    fetch(base + path, {
      ...init,
      headers: {
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
    });

  it('bootstraps the admin, logs in, creates an org, a member and a key, and uses both credentials', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    const bad = await call('/api/v1/login', {
      method: 'POST',
      body: new URLSearchParams({ username: 'root@example.com', password: 'nope' }),
    });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({
      detail: ['AuthorizationException', 'Authentication error: invalid username or password'],
    });

    const login = await call('/api/v1/login', {
      method: 'POST',
      body: new URLSearchParams({ username: 'root@example.com', password: 'root-password-1' }),
    });
    expect(login.status).toBe(200);
    expect(login.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    const { access_token: token, token_type } = (await login.json()) as { access_token: string; token_type: string };
    expect(token_type).toBe('bearer');

    const me = await call('/admin/api/v1/me', { token });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({
      user: { email: 'root@example.com' },
      organizations: [{ slug: 'main', role: 'admin' }],
    });

    const org = await call('/admin/api/v1/organizations', {
      method: 'POST',
      token,
      json: { slug: 'research', name: 'Research' },
    });
    expect(org.status).toBe(201);
    expect(await org.json()).toMatchObject({ slug: 'research', name: 'Research', mode: 'normal', role: 'admin' });

    const user = await call('/admin/api/v1/users?org=research', {
      method: 'POST',
      token,
      json: { email: 'ada@example.com', password: 'ada-password-1', role: 'member' },
    });
    expect(user.status).toBe(201);
    const dup = await call('/admin/api/v1/users?org=research', {
      method: 'POST',
      token,
      json: { email: 'ada@example.com', password: 'ada-password-1' },
    });
    expect(dup.status).toBe(409);
    expect(dup.headers.get('content-type')).toMatch(/application\/problem\+json/);

    const adaLogin = await call('/api/v1/login', {
      method: 'POST',
      body: new URLSearchParams({ username: 'ada@example.com', password: 'ada-password-1' }),
    });
    const adaToken = ((await adaLogin.json()) as { access_token: string }).access_token;
    const key = await call('/admin/api/v1/api-keys', { method: 'POST', token: adaToken, json: { description: 'ci' } });
    expect(key.status).toBe(201);
    const issued = (await key.json()) as { id: string; key: string; org: string };
    expect(issued.key).toMatch(/^api_[0-9A-Za-z]{43}$/);
    expect(issued.org).toBe('research');

    const viaKey = await call('/admin/api/v1/me', { token: issued.key });
    expect(await viaKey.json()).toMatchObject({ via: 'personal-key', user: { email: 'ada@example.com' } });
    const forbidden = await call('/admin/api/v1/organizations/research/mode', {
      method: 'PUT',
      token: issued.key,
      json: { mode: 'maintenance' },
    });
    expect(forbidden.status).toBe(403);

    expect((await call(`/admin/api/v1/api-keys/${issued.id}`, { method: 'DELETE', token: adaToken })).status).toBe(204);
    expect((await call('/admin/api/v1/me', { token: issued.key })).status).toBe(401);
    expect(logs).not.toContain(issued.key);
    expect(logs).not.toContain('root-password-1');
  });

  // Only on Postgres: on PGlite the control plane's database is not a server a connection could reach.
  (process.env.TEST_DATABASE_URL ? it : it.skip)(
    "refuses a connection to the server's own database, and accepts another database of the same Postgres",
    async () => {
      const login = await call('/api/v1/login', {
        method: 'POST',
        body: new URLSearchParams({ username: 'root@example.com', password: 'root-password-1' }),
      });
      const { access_token: token } = (await login.json()) as { access_token: string };
      const password = 'proc-connection-pw-51c2';
      const withPassword = (raw: string) => {
        const u = new URL(raw);
        u.password = password;
        return u.toString();
      };
      const create = (name: string, connectionString: string) =>
        call('/admin/api/v1/organizations/main/connections', {
          method: 'POST',
          token,
          json: { name, kind: 'postgres', settings: { connectionString } },
        });

      const own = await create('own-database', withPassword(databaseUrl!));
      expect(own.status).toBe(400);
      expect(own.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(await own.text()).toMatch(/control plane/i);

      // The same server, the same port, another database: allowed (PIPEWRIGHT_EGRESS_ALLOW=loopback).
      const other = await create('other-database', withPassword(process.env.TEST_DATABASE_URL!));
      expect(other.status).toBe(201);
      const view = (await other.json()) as { id: string; settings: Record<string, unknown> };
      expect(view.settings.password).toBe('********');
      const tested = await call(`/admin/api/v1/organizations/main/connections/${view.id}/test`, {
        method: 'POST',
        token,
      });
      expect(tested.status).toBe(200);
      expect(await tested.json()).toMatchObject({ ok: true });
      expect(logs).not.toContain(password);
    },
  );

  it('serves metrics, docs and readiness', async () => {
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('pipewright_http_request_duration_seconds');
    const docs = (await (await fetch(`${base}/docs`)).json()) as { documents: { name: string }[] };
    expect(docs.documents.map((d) => d.name)).toEqual(
      expect.arrayContaining(['native', 'zenml', 'unstract', 'meergo', 'flow']),
    );
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  it('stops gracefully on SIGTERM', async () => {
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).toBe(0);
    expect(logs).toContain('stopped');
  });
});

describe('stop signals, however the server is started', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pipewright-sig-'));
  let database: Awaited<ReturnType<typeof processDatabase>> | undefined;
  let databaseUrl: string | undefined;

  beforeAll(async () => {
    ensureBuilt();
    database = await processDatabase('pipewright_test_sig');
    databaseUrl = database.url;
  }, 120_000);

  afterAll(async () => {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const env = (port: number): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(port),
    HOST: '127.0.0.1',
    PIPEWRIGHT_DATA_DIR: dataDir,
    PIPEWRIGHT_ADMIN_PASSWORD: 'root-password-1',
    PIPEWRIGHT_STAGE_SANDBOX: 'off',
    LOG_LEVEL: 'info',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });

  it('SIGTERM while the server is still starting stops it cleanly once started (exit 0), not at once (143)', async () => {
    let logs = '';
    const child = spawn(process.execPath, [main], { env: env(await freePort()), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d) => (logs += d));
    child.stderr!.on('data', (d) => (logs += d));
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect({ code, stopped: logs.includes('"msg":"stopped"') }).toEqual({ code: 0, stopped: true });
  }, 120_000);

  it('`npm start` passes SIGTERM to node: the server stops and nothing is left serving', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    let logs = '';
    // Through npm as a user runs it (npm's own PATH puts the repository's Node 24 first).
    const npm = spawn('npm', ['start', '--silent'], { cwd: root, env: env(port), stdio: ['ignore', 'pipe', 'pipe'] });
    npm.stdout!.on('data', (d) => (logs += d));
    npm.stderr!.on('data', (d) => (logs += d));
    await waitReady(base, npm, () => logs);
    npm.kill('SIGTERM');
    await new Promise((r) => npm.once('exit', r));
    // The server finished its graceful stop and no longer answers.
    const deadline = Date.now() + 15_000;
    let answering = true;
    while (answering && Date.now() < deadline) {
      answering = await fetch(`${base}/healthz`).then(
        () => true,
        () => false,
      );
      if (answering) await new Promise((r) => setTimeout(r, 200));
    }
    expect({ answering, stopped: logs.includes('"msg":"stopped"') }).toEqual({ answering: false, stopped: true });
  }, 180_000);
});
