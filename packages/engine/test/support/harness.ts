import { createHash } from 'node:crypto';
import {
  createCore,
  type Actor,
  type Core,
  type RetryPolicyInput,
  type Run,
  type Storage,
  type WorkflowDefinition,
} from '@pipewright/core';
import { InProcessExecutor, type EngineOptions } from '@pipewright/engine';
import { createMemoryStorage } from '@pipewright/storage-memory';

/** Real time plus an offset tests can move forward (to let leases expire without waiting). */
export class ShiftableClock {
  offsetMs = 0;
  now = () => new Date(Date.now() + this.offsetMs);
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

// Fast, deterministic stand-ins for the security ports (the server uses scrypt/AES/JWT).
export const hasher = {
  hashPassword: async (p: string) => `h:${p}`,
  verifyPassword: async (p: string, h: string) => h === `h:${p}`,
  lookupHash: (s: string) => createHash('sha256').update(s).digest('hex'),
};
export const sealer = { seal: (s: string) => `sealed:${s}`, unseal: (s: string) => s.replace(/^sealed:/, '') };
export const tokens = {
  sign: async (c: { sub: string }) => `tok.${c.sub}.x`,
  verify: async (t: string) => (/^tok\.[^.]+\.x$/.test(t) ? { sub: t.split('.')[1]! } : null),
};

export interface EngineWorld {
  core: Core;
  /** The storage under the core, for arranging and reading what no use case exposes. */
  storage: Storage;
  executor: InProcessExecutor;
  clock: ShiftableClock;
  admin: Actor;
  member: Actor;
  /** Creates a connection in the organization (as its admin); returns its id. */
  connection(kind: string, settings: Record<string, unknown>, name?: string): Promise<string>;
  workflow(definition: Partial<WorkflowDefinition>, extra?: { maxFileExecutionCount?: number }): Promise<string>;
  pipeline(
    workflowId: string,
    extra?: {
      type?: 'ETL' | 'TASK' | 'DEFAULT' | 'APP';
      updatedAtColumn?: string;
      incremental?: boolean;
      retry?: RetryPolicyInput;
      runTimeoutSeconds?: number | null;
    },
  ): Promise<string>;
  /** Triggers the pipeline's run and waits until the executor is done with it. */
  run(pipelineId: string, options?: Parameters<Core['runs']['trigger']>[2]): Promise<Run>;
  close(): Promise<void>;
}

/** A core on the in-memory adapter, wired to an in-process executor, with an admin and a member. */
export async function engineWorld(
  options: EngineOptions = {},
  storage: Storage = createMemoryStorage(),
  dispose: () => Promise<void> = () => storage.close(),
): Promise<EngineWorld> {
  const clock = new ShiftableClock();
  const executor = new InProcessExecutor({ leaseMs: 5_000, heartbeatMs: 25, batchSize: 100, ...options });
  const core = createCore({
    storage,
    hasher,
    sealer,
    tokens,
    clock,
    executor,
    definitions: executor.definitions,
    connectionKinds: executor.connectionKinds,
  });
  executor.attach(core);
  const boot = (await core.admin.bootstrap({ orgSlug: 'acme', email: 'admin@acme.io', password: 'password-1' }))!;
  const admin: Actor = { kind: 'user', userId: boot.user.id, orgId: boot.org.id, role: 'admin' };
  const { user } = await core.admin.createUser(admin, { email: 'member@acme.io', password: 'password-1' });
  const member: Actor = { kind: 'user', userId: user.id, orgId: boot.org.id, role: 'member' };
  let n = 0;
  return {
    core,
    storage,
    executor,
    clock,
    admin,
    member,
    async connection(kind, settings, name) {
      const c = await core.connections.create(admin, { name: name ?? `${kind}-${++n}`, kind, settings });
      return c.id;
    },
    async workflow(definition, extra = {}) {
      const wf = await core.workflows.create(member, { name: `wf-${++n}`, definition, ...extra });
      return wf.id;
    },
    async pipeline(workflowId, extra = {}) {
      const { pipeline } = await core.pipelines.create(member, { name: `p-${++n}`, workflowId, ...extra });
      return pipeline.id;
    },
    async run(pipelineId, options) {
      const run = await core.runs.trigger(member, pipelineId, options);
      await executor.settled(run.id);
      return core.runs.get(member, run.id);
    },
    async close() {
      await executor.drain(1_000);
      await dispose();
    },
  };
}

/** Waits until `check` holds (polling), failing after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
