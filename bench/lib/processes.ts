import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A server started as its own process, with its port and a way to sample its memory. */
export interface ServerProcess {
  name: string;
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Resident set size of a process in bytes (Linux /proc), or 0 when it cannot be read. */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples a process's RSS every 50 ms; `stop()` returns the peak seen (VmHWM cannot be reset per scenario). */
export function sampleRss(pid: number): { stop(): number } {
  let peak = rssOf(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 50);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssOf(pid));
    },
  };
}

// Servers die with the bench, whatever ends it.
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

async function waitHealthy(url: string, child: ChildProcess, name: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before answering`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} did not answer ${url}/healthz within ${timeoutMs} ms`);
}

/** Starts `node <args>` with `env`, waits until GET /healthz answers 200. Output goes to stderr with a prefix. */
export async function startProcess(
  name: string,
  args: string[],
  port: number,
  env: NodeJS.ProcessEnv,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = (chunk: Buffer) =>
    process.stderr.write(
      chunk
        .toString()
        .split('\n')
        .filter(Boolean)
        .map((l) => `  [${name}] ${l}\n`)
        .join(''),
    );
  live.add(child);
  let stopping = false;
  child.once('exit', (code, signal) => {
    live.delete(child);
    // A server gone mid-scenario shows only as errors in the table: say how it ended.
    if (!stopping) process.stderr.write(`  [${name}] exited unexpectedly (code ${code}, signal ${signal})\n`);
  });
  child.stdout!.on('data', prefix);
  child.stderr!.on('data', prefix);
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, child, name);
  return {
    name,
    url,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        stopping = true;
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
      }),
  };
}

/**
 * How `npm start` runs the server: its node flags (read from the root package.json, so the
 * bench measures the memory settings users get) and the entry file.
 */
export function startCommand(root: string): { args: string[]; env: NodeJS.ProcessEnv } {
  const script = String(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts?.start ?? '');
  const m = /(?:^|&&\s*)node((?:\s+--[\w-]+(?:=\S+)?)*)\s+(apps\/server\/dist\/main\.js)\s*$/.exec(script);
  if (!m) throw new Error(`cannot read the node command of "npm start" from: ${script}`);
  return { args: [...m[1]!.trim().split(/\s+/).filter(Boolean), join(root, m[2]!)], env: {} };
}
