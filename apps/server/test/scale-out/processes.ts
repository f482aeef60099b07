import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Real processes of the built server: `node apps/server/dist/main.js` (API) and
// `node apps/server/dist/cli.js worker` (workers), as a deployment runs them.
export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const dist = join(root, 'apps/server/dist');

/** `tsc -b` of the whole repo (incremental: quick when nothing changed). */
export function build(): void {
  const r = spawnSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-b', join(root, 'tsconfig.build.json')],
    { stdio: 'inherit' },
  );
  if (r.status !== 0) throw new Error('build failed');
}

export async function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}

export interface Proc {
  child: ChildProcess;
  output(): string;
  /** SIGTERM and wait (no-op once exited). */
  stop(): Promise<void>;
}

function start(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out = (out + d).slice(-20_000)));
  child.stderr!.on('data', (d) => (out = (out + d).slice(-20_000)));
  return {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** An API-only server (PIPEWRIGHT_ROLES=api: runs go to the queue); resolves when /readyz answers. */
export async function startApi(env: Record<string, string>): Promise<Proc & { base: string }> {
  const port = await freePort();
  const proc = start([join(dist, 'main.js')], {
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
    PIPEWRIGHT_ROLES: 'api',
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`api exited ${proc.child.exitCode}:\n${proc.output()}`);
    if (
      await fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { ...proc, base };
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`api not ready:\n${proc.output()}`);
}

/** `pipewright worker --concurrency N`; resolves once it registered in pipewright_workers. */
export async function startWorker(
  env: Record<string, string>,
  concurrency: number,
  registered: () => Promise<number>,
): Promise<Proc> {
  const before = await registered();
  const proc = start([join(dist, 'cli.js'), 'worker', '--concurrency', String(concurrency)], env);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`worker exited ${proc.child.exitCode}:\n${proc.output()}`);
    if ((await registered()) > before) return proc;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`worker did not register:\n${proc.output()}`);
}
