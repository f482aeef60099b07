import { createHash } from 'node:crypto';
import {
  createCore,
  type Actor,
  type Core,
  type CoreOptions,
  type Executor,
  type Pipeline,
  type Run,
  type Scheduler,
  type Storage,
} from '@pipewright/core';
import { createMemoryStorage } from '@pipewright/storage-memory';

/** A clock tests move by hand. */
export class FakeClock {
  constructor(public current = new Date('2026-03-01T12:00:00Z')) {}
  now = () => new Date(this.current);
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** Records what the services asked of the executor and scheduler. */
export class Recorder implements Executor, Scheduler {
  submitted: Run[] = [];
  cancelled: string[] = [];
  synced: string[] = [];
  unregistered: string[] = [];
  async submit(run: Run) {
    this.submitted.push(run);
  }
  async cancel(runId: string) {
    this.cancelled.push(runId);
  }
  async sync(p: Pipeline) {
    this.synced.push(p.id);
  }
  async unregister(id: string) {
    this.unregistered.push(id);
  }
  nextFire(p: Pipeline) {
    return p.isScheduled ? (p.schedule?.nextFireAfter(new Date(), p.scheduleStart) ?? null) : null;
  }
}

// Fast, deterministic stand-ins for the security ports (the server uses scrypt/AES/JWT).
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

export interface World {
  core: Core;
  /** The storage under the core, for arranging what no use case writes. */
  storage: Storage;
  clock: FakeClock;
  rec: Recorder;
  orgId: string;
  admin: Actor;
  owner: Actor;
  friend: Actor;
  stranger: Actor;
  outsider: Actor;
  workflowId: string;
}

/** A core on the in-memory adapter with an org, an admin, three members and an outsider in another org. */
export async function world(
  storage: Storage = createMemoryStorage(),
  ports: Partial<CoreOptions> = {},
): Promise<World> {
  const clock = new FakeClock();
  const rec = new Recorder();
  const core = createCore({ storage, hasher, sealer, tokens, clock, executor: rec, scheduler: rec, ...ports });
  const boot = (await core.admin.bootstrap({ orgSlug: 'acme', email: 'admin@acme.io', password: 'password-1' }))!;
  const admin: Actor = { kind: 'user', userId: boot.user.id, orgId: boot.org.id, role: 'admin' };
  const member = async (email: string, orgAdmin: Actor = admin): Promise<Actor> => {
    const { user } = await core.admin.createUser(orgAdmin, { email, password: 'password-1' });
    return { kind: 'user', userId: user.id, orgId: orgAdmin.orgId, role: 'member' };
  };
  const owner = await member('owner@acme.io');
  const friend = await member('friend@acme.io');
  const stranger = await member('stranger@acme.io');
  const other = await core.admin.createOrganization(admin, { slug: 'globex' });
  const otherAdmin: Actor = { ...admin, orgId: other.id };
  const outsider = await member('outsider@globex.io', otherAdmin);
  const wf = await core.workflows.create(owner, { name: 'wf' });
  return { core, storage, clock, rec, orgId: boot.org.id, admin, owner, friend, stranger, outsider, workflowId: wf.id };
}
