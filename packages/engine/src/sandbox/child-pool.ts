import { fork, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { SandboxCrashError, SandboxError, SandboxLimitError } from './errors.js';
import type { EvaluateRequest, EvaluateResult, FromChild } from './protocol.js';

/** Where the child's entry is: the built `child.js` beside this file, or `child.ts` through tsx when running from source (tests, bench). */
export function childEntry(): { path: string; execArgv: string[] } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return { path: fileURLToPath(new URL('./child.ts', here)), execArgv: ['--import', 'tsx'] };
  return { path: fileURLToPath(new URL('./child.js', here)), execArgv: [] };
}

/** What V8 prints when a heap limit or an object-size limit ends the process. */
const OUT_OF_MEMORY =
  /heap out of memory|Reached heap limit|invalid size error|Allocation failed|invalid table size|invalid array length/i;

/** How long a new child may take to load its code before it is given up. */
const STARTUP_MS = 30_000;

export interface RequestLimits {
  timeoutMs: number;
  /** Which limit `timeoutMs` is, for the error. */
  scope: 'batch' | 'run';
  signal: AbortSignal;
}

type Pending = {
  id: number;
  resolve: (m: FromChild) => void;
  reject: (e: unknown) => void;
};

/**
 * One child process evaluating requests one at a time. Killed (SIGKILL) on a time limit
 * or a cancel; a child that died is never reused.
 */
export class SandboxChild {
  /** Program hashes this child was sent (it may have evicted some: it says `missing`). */
  readonly known = new Set<string>();
  dead = false;
  private readonly proc: ChildProcess;
  private readonly ready: Promise<void>;
  private stderr = '';
  private pending: Pending | null = null;
  private killedFor: unknown = null;
  private nextId = 1;

  constructor(entry: { path: string; execArgv: string[] }, heapMb: number, niceness: number) {
    this.proc = fork(entry.path, [], {
      execArgv: [...entry.execArgv, `--max-old-space-size=${heapMb}`, '--max-semi-space-size=16'],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // Nothing of the server's environment (database URLs, secrets) is needed there.
      env: {},
    });
    // Tenants' stages yield the CPU to the server's own work (requests, heartbeats).
    if (this.proc.pid !== undefined && niceness !== 0) {
      try {
        setPriority(this.proc.pid, niceness);
      } catch {
        // not permitted here: the child runs at normal priority
      }
    }
    const stderr = this.proc.stderr as Readable & { unref?: () => void };
    stderr.setEncoding('utf8');
    stderr.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4096);
    });
    let readyResolve!: () => void;
    let readyReject!: (e: unknown) => void;
    this.ready = new Promise((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    this.ready.catch(() => {});
    const startup = setTimeout(
      () => this.kill(new SandboxCrashError(`the sandbox process did not start within ${STARTUP_MS} ms`)),
      STARTUP_MS,
    );
    startup.unref();
    this.proc.on('message', (m: FromChild) => {
      if (m.type === 'ready') {
        clearTimeout(startup);
        return readyResolve();
      }
      const p = this.pending;
      if (p && m.id === p.id) {
        this.pending = null;
        p.resolve(m);
      }
    });
    this.proc.on('error', () => {
      // A failed spawn or a failed send: 'close' follows and reports it.
    });
    this.proc.on('close', (code, signal) => {
      this.dead = true;
      clearTimeout(startup);
      const error = this.killedFor ?? this.deathError(code, signal);
      readyReject(error);
      const p = this.pending;
      this.pending = null;
      p?.reject(error);
    });
    this.idle();
  }

  /** Sends one request and waits for its answer, within the limits. */
  async request(message: Omit<EvaluateRequest, 'id'>, limits: RequestLimits): Promise<FromChild> {
    if (this.dead) throw new SandboxCrashError('the sandbox process is gone');
    this.busy();
    try {
      return await new Promise<FromChild>((resolve, reject) => {
        const id = this.nextId++;
        this.pending = { id, resolve, reject };
        let timer: NodeJS.Timeout | null = null;
        const onAbort = () => this.kill(limits.signal.reason);
        const cleanup = () => {
          if (timer) clearTimeout(timer);
          limits.signal.removeEventListener('abort', onAbort);
        };
        const settle = this.pending;
        this.pending = {
          id,
          resolve: (m) => (cleanup(), settle.resolve(m)),
          reject: (e) => (cleanup(), settle.reject(e)),
        };
        if (limits.signal.aborted) return onAbort();
        limits.signal.addEventListener('abort', onAbort, { once: true });
        // The clock starts when the child can work (a fresh child first loads its code).
        this.ready.then(
          () => {
            if (this.pending?.id !== id) return;
            timer = setTimeout(
              () =>
                this.kill(
                  new SandboxLimitError(
                    'time',
                    `the stages took longer than the ${limits.scope === 'run' ? 'run' : 'batch'} time limit (${limits.timeoutMs} ms)`,
                    limits.scope,
                  ),
                ),
              Math.max(0, limits.timeoutMs),
            );
            try {
              this.proc.send({ ...message, id } satisfies EvaluateRequest, (e) => {
                if (e && !this.dead)
                  this.kill(new SandboxCrashError(`could not send to the sandbox process: ${e.message}`));
              });
            } catch (e) {
              // A record that cannot be cloned (a function, a class with private state …): the child is fine.
              if (this.pending?.id !== id) return;
              const p = this.pending;
              this.pending = null;
              p.reject(
                new SandboxError(
                  `the records cannot be sent to the sandbox: ${e instanceof Error ? e.message : String(e)}`,
                ),
              );
            }
          },
          () => {},
        );
      });
    } finally {
      this.idle();
    }
  }

  /** Ends the child at once; its pending request fails with `reason`. */
  kill(reason: unknown = new SandboxError('the sandbox process was stopped')): void {
    if (this.dead) return;
    this.killedFor ??= reason;
    this.proc.kill('SIGKILL');
  }

  private deathError(code: number | null, signal: NodeJS.Signals | null): SandboxError {
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    const line = this.stderr
      .split('\n')
      .map((l) => l.replace(/^#\s*/, '').trim())
      .find((l) => OUT_OF_MEMORY.test(l));
    if (line) return new SandboxLimitError('memory', `the stages ran out of memory (${line}; ${how})`);
    const last = this.stderr.trim().split('\n').slice(-1)[0]?.trim();
    return new SandboxCrashError(`the sandbox process died (${how})${last ? `: ${last}` : ''}`);
  }

  // An idle child does not keep the process alive; a busy one does.
  private busy(): void {
    this.proc.ref();
    this.proc.channel?.ref();
  }
  private idle(): void {
    this.proc.unref();
    this.proc.channel?.unref();
    (this.proc.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  }
}

export interface ChildPoolOptions {
  size: number;
  heapMb: number;
  niceness: number;
  entry?: { path: string; execArgv: string[] };
}

/** Warm children, reused across batches and runs; a dead one is replaced on the next acquire. */
export class ChildPool {
  private readonly idleChildren: SandboxChild[] = [];
  private readonly all = new Set<SandboxChild>();
  private readonly waiters: Array<{
    resolve: (c: SandboxChild) => void;
    reject: (e: unknown) => void;
    signal: AbortSignal;
    onAbort: () => void;
  }> = [];
  private readonly entry: { path: string; execArgv: string[] };
  private closed = false;

  constructor(private readonly options: ChildPoolOptions) {
    this.entry = options.entry ?? childEntry();
  }

  /** Starts children up to the pool's size, so the first batches do not wait for them. */
  warm(): void {
    while (this.all.size < this.options.size) this.idleChildren.push(this.spawn());
  }

  async acquire(signal: AbortSignal): Promise<SandboxChild> {
    if (this.closed) throw new SandboxError('the stage sandbox is closed');
    signal.throwIfAborted();
    for (let c = this.idleChildren.pop(); c; c = this.idleChildren.pop()) {
      if (!c.dead) return c;
      this.all.delete(c);
    }
    if (this.all.size < this.options.size) return this.spawn();
    return new Promise<SandboxChild>((resolve, reject) => {
      const waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(signal.reason);
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  release(child: SandboxChild): void {
    if (child.dead) this.all.delete(child);
    if (this.closed) return child.kill();
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter.signal.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(child.dead ? this.spawn() : child);
    } else if (!child.dead) {
      this.idleChildren.push(child);
    }
  }

  /** Children alive now (for tests and metrics). */
  get alive(): number {
    return [...this.all].filter((c) => !c.dead).length;
  }

  close(): void {
    this.closed = true;
    for (const c of this.all) c.kill();
    this.all.clear();
    this.idleChildren.length = 0;
    for (const w of this.waiters.splice(0)) w.reject(new SandboxError('the stage sandbox is closed'));
  }

  private spawn(): SandboxChild {
    const child = new SandboxChild(this.entry, this.options.heapMb, this.options.niceness);
    this.all.add(child);
    return child;
  }
}

export type { EvaluateResult };
