import { PermissionDeniedError, UnauthenticatedError, type Storage } from '@pipewright/core';
import { createMemoryStorage } from '@pipewright/storage-memory';
import { world, type World } from './harness.js';

/** The storage with every repository call recorded as `repository.method`. */
function recording(storage: Storage): { storage: Storage; calls: string[] } {
  const calls: string[] = [];
  const wrap = <T extends object>(name: string, repo: T): T =>
    new Proxy(repo, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function'
          ? (...args: unknown[]) => (calls.push(`${name}.${String(prop)}`), value.apply(target, args))
          : value;
      },
    });
  const wrapped = new Proxy(storage, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'object' && value !== null ? wrap(String(prop), value) : value;
    },
  });
  return { storage: wrapped, calls };
}

describe('AuthService and ApiKeyService', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });

  it('logs in with a password and resolves the token', async () => {
    const { accessToken, user } = await w.core.auth.login('OWNER@acme.io', 'password-1');
    expect(user.id).toBe(w.owner.userId);
    expect(await w.core.auth.authenticate(accessToken)).toEqual({ via: 'token', userId: w.owner.userId });
    await expect(w.core.auth.login('owner@acme.io', 'wrong')).rejects.toThrow(UnauthenticatedError);
    await expect(w.core.auth.login('nobody@acme.io', 'password-1')).rejects.toThrow('invalid username or password');
  });

  it('issues personal keys bound to one org, shown once, revocable', async () => {
    const { key, secret } = await w.core.apiKeys.createPersonalKey(w.owner);
    expect(secret).toMatch(/^api_[0-9A-Za-z]{43}$/);
    expect(key.secretHash).not.toContain(secret);
    const principal = await w.core.auth.authenticate(secret);
    expect(principal).toMatchObject({ via: 'personal-key', userId: w.owner.userId, orgId: w.orgId });
    const actor = await w.core.auth.actorFor(principal, { id: w.orgId });
    expect(actor).toEqual({ kind: 'user', userId: w.owner.userId, orgId: w.orgId, role: 'member' });
    await expect(w.core.auth.actorFor(principal, { id: w.outsider.orgId })).rejects.toThrow(PermissionDeniedError);
    expect(w.core.apiKeys.reveal(w.owner, key)).toBe(secret);
    expect(w.core.apiKeys.reveal(w.friend, key)).toBeNull();
    await w.core.apiKeys.deletePersonalKey(w.owner, key.id);
    await expect(w.core.auth.authenticate(secret)).rejects.toThrow(UnauthenticatedError);
  });

  it('rejects malformed, unknown and inactive credentials alike', async () => {
    for (const bad of ['', 'api_short', `api_${'A'.repeat(43)}`, 'garbage', 'x'.repeat(5000)])
      await expect(w.core.auth.authenticate(bad)).rejects.toThrow(UnauthenticatedError);
  });

  it('authenticates pipeline keys only while active', async () => {
    const { pipeline, key } = await w.core.pipelines.create(w.owner, { name: 'p', workflowId: w.workflowId });
    expect(await w.core.auth.authenticate(key.secret)).toMatchObject({ via: 'pipeline-key', pipelineId: pipeline.id });
    await w.core.apiKeys.updateKey(w.owner, key.key.id, { isActive: false });
    await expect(w.core.auth.authenticate(key.secret)).rejects.toThrow(UnauthenticatedError);
    await expect(w.core.apiKeys.getKey(w.stranger, key.key.id)).rejects.toThrow();
  });

  it('refuses non-members an organization', async () => {
    const principal = await w.core.auth.authenticate((await w.core.auth.issueToken(w.outsider.userId)).accessToken);
    await expect(w.core.auth.actorFor(principal, { slug: 'acme' })).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
      worded: false,
      target: { entity: 'Organization', action: 'access' },
    });
    await expect(w.core.auth.actorFor(principal, { slug: 'nope' })).rejects.toThrow('Organization not found');
  });

  it('reads a personal key, its owner, its org and the role there in one storage call', async () => {
    const rec = recording(createMemoryStorage());
    const w2 = await world(rec.storage);
    const { secret } = await w2.core.apiKeys.createPersonalKey(w2.owner);
    await w2.core.auth.authenticate(secret); // first use records lastUsedAt
    rec.calls.length = 0;
    const principal = await w2.core.auth.authenticate(secret);
    const { org, actor } = await w2.core.auth.enter(principal, { slug: 'acme' });
    expect(org.id).toBe(w2.orgId);
    expect(actor).toEqual({ kind: 'user', userId: w2.owner.userId, orgId: w2.orgId, role: 'member' });
    expect(await w2.core.auth.organizationsFor(principal)).toEqual([{ org, actor }]);
    expect(rec.calls).toEqual(['apiKeys.findCredential']);
    // Another org is still looked up, and refused.
    await expect(w2.core.auth.enter(principal, { slug: 'globex' })).rejects.toThrow(PermissionDeniedError);
  });

  it('refuses a personal key whose owner left the org or was deactivated', async () => {
    const storage = createMemoryStorage();
    const w2 = await world(storage);
    const { secret } = await w2.core.apiKeys.createPersonalKey(w2.owner);
    await storage.memberships.remove(w2.orgId, w2.owner.userId);
    const principal = await w2.core.auth.authenticate(secret);
    await expect(w2.core.auth.actorFor(principal, { id: w2.orgId })).rejects.toThrow(PermissionDeniedError);
    expect(await w2.core.auth.organizationsFor(principal)).toEqual([]);
    const user = (await storage.users.findById(w2.owner.userId))!;
    user.deactivate(new Date());
    await storage.users.update(user);
    await expect(w2.core.auth.authenticate(secret)).rejects.toThrow(UnauthenticatedError);
  });
});
