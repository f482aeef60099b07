import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

// Boots the real server (`node apps/server/dist/main.js`) as a child process against a fresh
// Postgres database, so crashes, outages and hostile bytes hit exactly what production runs.
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const main = join(repoRoot, 'apps/server/dist/main.js');

/**
 * The node flags `npm start` runs the server with (the root package.json's start script), so
 * the process tested has the heap settings users run; nothing test-only is added.
 */
export function startScriptNodeFlags(): string[] {
  const script = String(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).scripts?.start ?? '');
  const m = /(?:^|&&\s*)(?:exec\s+)?node((?:\s+--[\w-]+(?:=\S+)?)*)\s+apps\/server\/dist\/main\.js\s*$/.exec(script);
  if (!m) throw new Error(`cannot read the node flags of "npm start" from: ${script}`);
  return m[1]!.trim().split(/\s+/).filter(Boolean);
}

export const ROOT_EMAIL = 'root@example.com';
export const ROOT_PASSWORD = 'root-password-1';

let built = false;

/** `tsc -b` once per test file (incremental: cheap when dist is current). */
export function ensureBuilt(): void {
  if (built) return;
  const r = spawnSync(
    process.execPath,
    [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', join(repoRoot, 'tsconfig.build.json')],
    { stdio: 'inherit' },
  );
  if (r.status !== 0) throw new Error('build failed');
  built = true;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolvePort(port));
    });
  });
}

export interface TestDatabase {
  url: string;
  name: string;
  /** A client on the test database itself (for row counts and scans). */
  client: pg.Client;
  drop(): Promise<void>;
}

/** A fresh database whose name contains "test", dropped (forced) afterwards. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `pipewright_test_rel_${label}_${process.pid}_${Date.now() % 1_000_000}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  return {
    url: url.toString(),
    name,
    client,
    async drop() {
      await client.end().catch(() => {});
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

export interface ServerProcess {
  base: string;
  port: number;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far (across restarts). */
  logs(): string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL (no graceful shutdown) and wait for exit. */
  kill9(): Promise<void>;
  /** Starts the process again on the same port, data folder and database. */
  restart(): Promise<void>;
  /** Removes the data folder (after stop). */
  cleanup(): void;
}

export interface StartOptions {
  databaseUrl: string;
  env?: Record<string, string>;
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

export async function startServerProcess(options: StartOptions): Promise<ServerProcess> {
  ensureBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'pipewright-rel-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let logs = '';
  let child!: ChildProcess;

  const launch = async () => {
    child = spawn(process.execPath, [...startScriptNodeFlags(), main], {
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        HOST: '127.0.0.1',
        PIPEWRIGHT_DATA_DIR: dataDir,
        PIPEWRIGHT_SECRET: 'reliability-suite-secret-0123456789abcdef',
        PIPEWRIGHT_ADMIN_EMAIL: ROOT_EMAIL,
        PIPEWRIGHT_ADMIN_PASSWORD: ROOT_PASSWORD,
        PIPEWRIGHT_DEFAULT_ORG: 'main',
        LOG_LEVEL: 'info',
        DATABASE_URL: options.databaseUrl,
        // The suite's own targets (webhook listeners, fake servers) are on 127.0.0.1, which a
        // server on Postgres refuses by default; its own database stays refused all the same.
        PIPEWRIGHT_EGRESS_ALLOW: 'loopback,private',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (logs += d));
    child.stderr!.on('data', (d) => (logs += d));
    await waitReady(base, child, () => logs);
  };
  await launch();

  const exited = (c: ChildProcess) =>
    c.exitCode !== null || c.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((r) => c.once('exit', () => r()));
  return {
    base,
    port,
    get child() {
      return child;
    },
    logs: () => logs,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      await exited(child);
      return child.exitCode;
    },
    async kill9() {
      child.kill('SIGKILL');
      await exited(child);
    },
    restart: launch,
    cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}
