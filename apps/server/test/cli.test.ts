import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKyselyStorage } from '@pipewright/storage-kysely';
import { closeTestPglite, createTestDatabase, type TestDatabase } from '@pipewright/storage-kysely/testing';

// The operator's CLI (`pipewright …`), run as a process from the build, on a fresh test database.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = join(root, 'apps/server/dist/cli.js');

describe('pipewright CLI', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pipewright-cli-'));
  let db: TestDatabase;

  beforeAll(async () => {
    if (!existsSync(cli) || statSync(join(root, 'apps/server/src/cli.ts')).mtimeMs > statSync(cli).mtimeMs)
      spawnSync(
        process.execPath,
        [join(root, 'node_modules/typescript/bin/tsc'), '-b', join(root, 'tsconfig.build.json')],
        { stdio: 'inherit' },
      );
    db = await createTestDatabase({ migrate: false });
  }, 120_000);

  afterAll(async () => {
    await db.drop();
    await closeTestPglite();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const environment = (options: { pglite?: string } = {}): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      PIPEWRIGHT_DATA_DIR: options.pglite ?? dataDir,
      PIPEWRIGHT_SECRET: 'cli-test-secret-0123456789abcdefghij',
      PIPEWRIGHT_SCHEDULER: 'off',
      LOG_LEVEL: 'silent',
    };
    if (db.url && !options.pglite) env.DATABASE_URL = db.url;
    return env;
  };
  const runIn = (env: NodeJS.ProcessEnv, ...args: string[]) => {
    const r = spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
  };
  const run = (...args: string[]) => runIn(environment(), ...args);

  it('migrates, creates an org, a user and a key', () => {
    expect(run('migrate')).toMatchObject({ code: 0, out: 'migrations are up to date' });
    const org = run('create-org', '--slug', 'ops', '--name', 'Operations');
    expect(org.code).toBe(0);
    expect(JSON.parse(org.out)).toMatchObject({ slug: 'ops' });
    const user = run(
      'create-user',
      '--email',
      'op@example.com',
      '--org',
      'ops',
      '--password',
      'op-password-1',
      '--role',
      'admin',
    );
    expect(JSON.parse(user.out)).toMatchObject({ email: 'op@example.com', role: 'admin' });
    const key = run('create-api-key', '--email', 'op@example.com', '--org', 'ops');
    expect(key.code).toBe(0);
    expect(JSON.parse(key.out).key).toMatch(/^api_[0-9A-Za-z]{43}$/);
  }, 120_000);

  it('creates a server admin (an operator of the whole server) with --server-admin', () => {
    const user = run(
      'create-user',
      '--email',
      'root-op@example.com',
      '--org',
      'ops',
      '--password',
      'root-op-password-1',
      '--server-admin',
    );
    expect(user.code).toBe(0);
    expect(JSON.parse(user.out)).toMatchObject({ email: 'root-op@example.com', role: 'member', server_admin: true });
  }, 120_000);

  it('explains bad usage', () => {
    expect(run('help').out).toContain('Usage: pipewright');
    const bad = run('create-user', '--org', 'ops');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--email <email> is required');
    expect(run('create-org', '--bogus').code).not.toBe(0);
  });

  it('the `pipewright` command is a file that exists before any build (npm links it at install time)', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'apps/server/package.json'), 'utf8')) as {
      bin: Record<string, string>;
      files: string[];
    };
    const bin = join(root, 'apps/server', manifest.bin.pipewright!);
    expect(bin).not.toContain('/dist/');
    expect(existsSync(bin)).toBe(true);
    expect(manifest.files).toContain('bin');
    const r = spawnSync(process.execPath, [bin, 'help'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout).toContain('Usage: pipewright');
  });

  it('refuses a PGlite data folder that another process (a running server) holds, and says which', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'pipewright-cli-locked-'));
    // This test process plays the server: it holds ./pglite in the data folder.
    const server = await createKyselyStorage({ dataDir: join(folder, 'pglite'), maintenanceIntervalMs: 0 });
    try {
      const r = runIn(environment({ pglite: folder }), 'create-org', '--slug', 'lost');
      expect(r.code).toBe(1);
      expect(r.err).toContain(`The PGlite data folder ${join(folder, 'pglite')} is in use by process ${process.pid}`);
    } finally {
      await server.close();
    }
    // Once the server has stopped, the CLI works on the same folder.
    const env = environment({ pglite: folder });
    expect(runIn(env, 'migrate')).toMatchObject({ code: 0 });
    expect(runIn(env, 'create-org', '--slug', 'kept').code).toBe(0);
    rmSync(folder, { recursive: true, force: true });
  }, 120_000);

  // The queue executor needs Postgres.
  (process.env.TEST_DATABASE_URL ? it : it.skip)(
    'a worker stopped while it is still starting exits cleanly (0), not 143',
    async () => {
      expect(run('migrate').code).toBe(0);
      const worker = spawn(process.execPath, [cli, 'worker'], {
        env: environment(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let err = '';
      worker.stderr.on('data', (d: Buffer) => (err += d.toString()));
      // Past loading its modules, still connecting (the queue's start takes longer than this).
      await new Promise((resolve) => setTimeout(resolve, 1000));
      worker.kill('SIGTERM');
      const code = await new Promise<number | null>((resolve) => worker.once('exit', (c) => resolve(c)));
      expect({ code, err }).toEqual({ code: 0, err: '' });
    },
    60_000,
  );
});
