import { createHash } from 'node:crypto';
import { createCore, type Actor, type Core } from '@pipewright/core';
import { EgressPolicy, InProcessExecutor, type StageSandboxOptions } from '@pipewright/engine';
import { QueueConnection, QueueExecutor, QueueWorker } from '@pipewright/executor-queue';
import { createKyselyStorage, type KyselyStorage } from '@pipewright/storage-kysely';
import { createTestDatabase } from '@pipewright/storage-kysely/testing';

// Fast stand-ins for the security ports (the server uses scrypt/AES/JWT).
const hasher = {
  hashPassword: async (p: string) => `h:${p}`,
  verifyPassword: async (p: string, h: string) => h === `h:${p}`,
  lookupHash: (s: string) => createHash('sha256').update(s).digest('hex'),
};
const sealer = { seal: (s: string) => `sealed:${s}`, unseal: (s: string) => s.replace(/^sealed:/, '') };
const tokens = {
  sign: async (c: { sub: string }) => `tok.${c.sub}.x`,
  verify: async (t: string) => (/^tok\.[^.]+\.x$/.test(t) ? { sub: t.split('.')[1]! } : null),
};

export interface QueueWorld {
  url: string;
  store: KyselyStorage;
  connection: QueueConnection;
  /** The API side: its core submits to the queue. */
  core: Core;
  admin: Actor;
  /** Starts a worker with its own engine (as a worker process would), on the same database. */
  worker(options?: {
    concurrency?: number;
    organizationConcurrency?: number;
    leaseMs?: number;
    egress?: EgressPolicy;
    sandbox?: StageSandboxOptions | false;
  }): Promise<QueueWorker>;
  close(): Promise<void>;
}

/** A fresh test database with a core on the queue executor; dropped on close. */
export async function queueWorld(): Promise<QueueWorld> {
  // A migrated clone of the test template (see @pipewright/storage-kysely/testing).
  const database = await createTestDatabase({ backend: 'postgres' });
  const url = database.url!;
  const store = await database.open();
  const connection = await QueueConnection.open({ connectionString: url, retryDelaySeconds: 1 });
  const api = new InProcessExecutor();
  const core = createCore({
    storage: store.storage,
    hasher,
    sealer,
    tokens,
    executor: new QueueExecutor(connection),
    definitions: api.definitions,
    connectionKinds: api.connectionKinds,
  });
  const boot = (await core.admin.bootstrap({ orgSlug: 'acme', email: 'admin@acme.io', password: 'password-1' }))!;
  const actor: Actor = { kind: 'user', userId: boot.user.id, orgId: boot.org.id, role: 'admin' };
  const workers: { worker: QueueWorker; connection: QueueConnection }[] = [];
  return {
    url,
    store,
    connection,
    core,
    admin: actor,
    async worker(options = {}) {
      const own = await QueueConnection.open({ connectionString: url });
      // The worker's engine holds connectors to the same egress policy, and resolves connections through its core.
      const engine = new InProcessExecutor({
        concurrency: options.concurrency ?? 2,
        // The queue holds each organization to its limit across workers; the engine takes what it is given.
        organizationConcurrency: options.concurrency ?? 2,
        leaseMs: options.leaseMs ?? 5_000,
        egress: options.egress ?? EgressPolicy.permissive(),
        sandbox: options.sandbox ?? false,
      });
      const workerCore = createCore({
        storage: store.storage,
        hasher,
        sealer,
        tokens,
        executor: new QueueExecutor(own),
        definitions: engine.definitions,
        connectionKinds: engine.connectionKinds,
      });
      engine.attach(workerCore);
      const worker = new QueueWorker({
        connection: own,
        connectionString: url,
        core: workerCore,
        engine,
        concurrency: options.concurrency ?? 2,
        organizationConcurrency: options.organizationConcurrency,
        recoveryIntervalMs: 200,
        heartbeatMs: 200,
      });
      await worker.start();
      workers.push({ worker, connection: own });
      return worker;
    },
    async close() {
      for (const w of workers) {
        await w.worker.stop(1_000);
        await w.connection.close();
      }
      await connection.close();
      await store.close();
      await database.drop();
    },
  };
}

/** Waits until `check` holds (polling), failing after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
