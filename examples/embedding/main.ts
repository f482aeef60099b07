// Embedding the core: memory storage, the default security provider and the in-process engine.
import { createCore } from '@pipewright/core';
import { InProcessExecutor } from '@pipewright/engine';
import { createSecurity } from '@pipewright/security';
import { createMemoryStorage } from '@pipewright/storage-memory';

// The engine executes runs in this process; without an executor a run stays PENDING.
const executor = new InProcessExecutor();
const core = createCore({
  storage: createMemoryStorage(),
  // scrypt hasher, AES-256-GCM sealer and JWT signer, each keyed from this one secret.
  ...createSecurity(process.env.PIPEWRIGHT_SECRET ?? 'a-long-random-secret-kept-safe'),
  executor,
  definitions: executor.definitions,
  connectionKinds: executor.connectionKinds,
});
executor.attach(core);

const admin = await core.admin.bootstrap({ orgSlug: 'acme', email: 'ops@acme.io', password: 's3cret-pass' });
if (!admin) throw new Error('The storage already has users.');
const actor = { kind: 'user', userId: admin.user.id, orgId: admin.org.id, role: 'admin' } as const;
const workflow = await core.workflows.create(actor, {
  name: 'import',
  definition: {
    source: { connector: 'inline', settings: {} },
    stages: { filter: 'amount > 0', transformation: '{ "id": id, "cents": amount * 100 }' },
    destination: { connector: 'none', settings: {} },
  },
});
const { pipeline } = await core.pipelines.create(actor, { name: 'nightly', workflowId: workflow.id, schedule: { cron: '0 3 * * *' } });
const run = await core.runs.trigger(actor, pipeline.id, { input: [{ id: 1, amount: 5 }, { id: 2, amount: 0 }] });

await executor.idle(); // the run finishes in the background; wait for it here
const done = await core.runs.get(actor, run.id);
console.log(done.status, done.stages);
// COMPLETED { passed: [ 2, 2, 1, 1, 1, 1 ], failed: [ 0, 0, 1, 0, 0, 0 ] }
await executor.drain(1_000);
if (done.status !== 'COMPLETED' || done.stages.passed[5] !== 1) process.exit(1);
