import { createHash } from 'node:crypto';
import { createCore, Organization, PermissionDeniedError, ValidationError, type Actor } from '@pipewright/core';
import { createMemoryStorage } from '@pipewright/storage-memory';
import { pipeline, T0 } from '../fixtures.js';
import { FakeClock, Recorder, world } from './harness.js';

const hasher = {
  hashPassword: async (p: string) => `h:${p}`,
  verifyPassword: async (p: string, h: string) => h === `h:${p}`,
  lookupHash: (s: string) => createHash('sha256').update(s).digest('hex'),
};
const sealer = { seal: (s: string) => `sealed:${s}`, unseal: (s: string) => s.replace(/^sealed:/, '') };
const tokens = { sign: async (c: { sub: string }) => `tok.${c.sub}.x`, verify: async () => null };

describe('run limits', () => {
  /** A server whose own organization is "ops", with a tenant "globex" whose admin is not a server admin. */
  async function server() {
    const rec = new Recorder();
    const storage = createMemoryStorage();
    const core = createCore({
      storage,
      hasher,
      sealer,
      tokens,
      clock: new FakeClock(),
      executor: rec,
      scheduler: rec,
      settings: { serverOrgSlug: 'ops' },
    });
    const boot = (await core.admin.bootstrap({ orgSlug: 'ops', email: 'root@ops.io', password: 'password-1' }))!;
    const root: Actor = { kind: 'user', userId: boot.user.id, orgId: boot.org.id, role: 'admin' };
    const { user: opsMember } = await core.admin.createUser(root, { email: 'member@ops.io', password: 'password-1' });
    const tenant = await core.admin.createOrganization(null, { slug: 'globex' });
    const tenantRoot: Actor = { ...root, orgId: tenant.id };
    const { user: tenantAdmin } = await core.admin.createUser(tenantRoot, {
      email: 'admin@globex.io',
      password: 'password-1',
      role: 'admin',
    });
    return { core, storage, root, opsMember, tenantAdmin };
  }

  it("lets a server admin set and clear an organization's limit on concurrent runs", async () => {
    const { core, storage, root } = await server();
    expect((await core.admin.setRunLimit(root.userId, 'globex', 3)).maxConcurrentRuns).toBe(3);
    expect((await storage.organizations.findBySlug('globex'))!.maxConcurrentRuns).toBe(3);
    expect((await core.admin.setRunLimit(root.userId, 'globex', null)).maxConcurrentRuns).toBeNull();
    await expect(core.admin.setRunLimit(root.userId, 'globex', 0)).rejects.toBeInstanceOf(ValidationError);
    await expect(core.admin.setRunLimit(root.userId, 'globex', 1.5)).rejects.toBeInstanceOf(ValidationError);
  });

  it("refuses an organization's own admin (who could raise it) and a plain member of the server's organization", async () => {
    const { core, storage, opsMember, tenantAdmin } = await server();
    await expect(core.admin.setRunLimit(tenantAdmin.id, 'globex', 50)).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(core.admin.setRunLimit(opsMember.id, 'globex', 50)).rejects.toBeInstanceOf(PermissionDeniedError);
    expect((await storage.organizations.findBySlug('globex'))!.maxConcurrentRuns).toBeNull();
  });

  it('keeps an organization limit an integer ≥ 1 or null', () => {
    const org = Organization.create({ id: 'o', seq: 1, slug: 'o', now: T0 });
    expect(org.maxConcurrentRuns).toBeNull();
    org.limitConcurrentRuns(2, T0);
    expect(org.maxConcurrentRuns).toBe(2);
    expect(() => org.limitConcurrentRuns(-1, T0)).toThrow(ValidationError);
    expect(
      Organization.restore({ ...org.toState(), maxConcurrentRuns: undefined as unknown as null }).maxConcurrentRuns,
    ).toBeNull();
  });

  it("keeps a pipeline's run time limit a whole number of seconds > 0, or null", () => {
    expect(pipeline().runTimeoutSeconds).toBeNull();
    expect(pipeline({ runTimeoutSeconds: 30 }).runTimeoutSeconds).toBe(30);
    expect(() => pipeline({ runTimeoutSeconds: 0 })).toThrow(ValidationError);
    const p = pipeline();
    p.limitRunTime(600, 'u', T0);
    expect(p.runTimeoutSeconds).toBe(600);
    expect(() => p.limitRunTime(2.5, 'u', T0)).toThrow(ValidationError);
    expect(() => p.limitRunTime(-5, 'u', T0)).toThrow(ValidationError);
    p.limitRunTime(null, 'u', T0);
    expect(p.runTimeoutSeconds).toBeNull();
  });

  it("sets, changes and clears a pipeline's run time limit through the pipeline service", async () => {
    const w = await world();
    const { pipeline: created } = await w.core.pipelines.create(w.owner, {
      name: 'timed',
      workflowId: w.workflowId,
      runTimeoutSeconds: 60,
    });
    expect(created.runTimeoutSeconds).toBe(60);
    expect((await w.core.pipelines.update(w.owner, created.id, { runTimeoutSeconds: 120 })).runTimeoutSeconds).toBe(
      120,
    );
    expect((await w.core.pipelines.update(w.owner, created.id, { name: 'renamed' })).runTimeoutSeconds).toBe(120);
    expect(
      (await w.core.pipelines.update(w.owner, created.id, { runTimeoutSeconds: null })).runTimeoutSeconds,
    ).toBeNull();
    await expect(w.core.pipelines.update(w.owner, created.id, { runTimeoutSeconds: 0 })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});
