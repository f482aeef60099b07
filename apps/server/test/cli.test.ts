import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeTestPglite, createTestDatabase, type TestDatabase } from '@pipewright/storage-kysely/testing';

// The operator's CLI (`pipewright …`), run as a process from the build, on a fresh test database.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = join(root, 'apps/server/dist/cli.js');

describe('pipewright CLI', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pipewright-cli-'));
  let db: TestDatabase;

  beforeAll(async () => {
    if (!existsSync(cli) || statSync(join(root, 'apps/server/src/cli.ts')).mtimeMs > statSync(cli).mtimeMs)
      spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
    db = await createTestDatabase({ migrate: false });
  }, 120_000);

  afterAll(async () => {
    await db.drop();
    await closeTestPglite();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const run = (...args: string[]) => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, PIPEWRIGHT_DATA_DIR: dataDir, PIPEWRIGHT_SECRET: 'cli-test-secret', PIPEWRIGHT_SCHEDULER: 'off', LOG_LEVEL: 'silent' };
    if (db.url) env.DATABASE_URL = db.url;
    const r = spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
  };

  it('migrates, creates an org, a user and a key', () => {
    expect(run('migrate')).toMatchObject({ code: 0, out: 'migrations are up to date' });
    const org = run('create-org', '--slug', 'ops', '--name', 'Operations');
    expect(org.code).toBe(0);
    expect(JSON.parse(org.out)).toMatchObject({ slug: 'ops' });
    const user = run('create-user', '--email', 'op@example.com', '--org', 'ops', '--password', 'op-password-1', '--role', 'admin');
    expect(JSON.parse(user.out)).toMatchObject({ email: 'op@example.com', role: 'admin' });
    const key = run('create-api-key', '--email', 'op@example.com', '--org', 'ops');
    expect(key.code).toBe(0);
    expect(JSON.parse(key.out).key).toMatch(/^api_[0-9A-Za-z]{43}$/);
  }, 120_000);

  it('explains bad usage', () => {
    expect(run('help').out).toContain('Usage: pipewright');
    const bad = run('create-user', '--org', 'ops');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--email <email> is required');
    expect(run('create-org', '--bogus').code).not.toBe(0);
  });
});
