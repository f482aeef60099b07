import { describe, expect, it } from '@jest/globals';
import { at, uuid } from '../fixtures.js';
import { useStorage, type StorageFactory } from '../harness.js';

/** API keys: lookups by id, secret hash and target; update, touch and delete. */
export function apiKeySuite(factory: StorageFactory): void {
  describe('api keys', () => {
    const ctx = useStorage(factory);

    async function world() {
      const org = await ctx.fx.org();
      const owner = await ctx.fx.memberUser(org);
      const workflow = await ctx.fx.workflow(org, owner);
      const pipeline = await ctx.fx.pipeline(org, owner, workflow);
      return { org, owner, pipeline };
    }

    it('inserts a key and finds it by id and by secret hash', async () => {
      const { org, owner } = await world();
      const key = await ctx.fx.apiKey({
        org,
        kind: 'personal',
        targetId: owner.id,
        createdBy: owner,
        description: 'ci',
        expiresAt: at(60 * 24 * 365, 250),
        now: at(1, 5),
      });
      expect((await ctx.storage.apiKeys.findById(key.id))!.toState()).toEqual(key.toState());
      expect((await ctx.storage.apiKeys.findBySecretHash(key.secretHash))!.toState()).toEqual(key.toState());
      expect(await ctx.storage.apiKeys.findBySecretHash(`hash-${uuid()}`)).toBeNull();
      expect(await ctx.storage.apiKeys.findById(uuid())).toBeNull();
    });

    it('reads a credential with its owner, organization and role in one lookup', async () => {
      const { org, owner, pipeline } = await world();
      const admin = await ctx.fx.memberUser(org, { role: 'admin' });
      const personal = await ctx.fx.apiKey({ org, kind: 'personal', targetId: admin.id, createdBy: admin });
      const found = (await ctx.storage.apiKeys.findCredential(personal.secretHash))!;
      expect(found.key.toState()).toEqual(personal.toState());
      expect(found.ownerActive).toBe(true);
      expect(found.organization!.toState()).toEqual(org.toState());
      expect(found.ownerRole).toBe('admin');
      // Pipeline keys have no owning user: active, no role.
      const pipelineKey = await ctx.fx.apiKey({ org, kind: 'pipeline', targetId: pipeline.id, createdBy: owner });
      expect(await ctx.storage.apiKeys.findCredential(pipelineKey.secretHash)).toMatchObject({
        ownerActive: true,
        ownerRole: null,
      });
      expect((await ctx.storage.apiKeys.findCredential(pipelineKey.secretHash))!.organization!.id).toBe(org.id);
      expect(await ctx.storage.apiKeys.findCredential(`hash-${uuid()}`)).toBeNull();
    });

    it('a credential shows a former member without a role and a deactivated owner as inactive', async () => {
      const { org, owner } = await world();
      const key = await ctx.fx.apiKey({ org, kind: 'personal', targetId: owner.id, createdBy: owner });
      await ctx.storage.memberships.remove(org.id, owner.id);
      expect(await ctx.storage.apiKeys.findCredential(key.secretHash)).toMatchObject({
        ownerActive: true,
        ownerRole: null,
      });
      const user = (await ctx.storage.users.findById(owner.id))!;
      user.deactivate(at(5));
      await ctx.storage.users.update(user);
      expect(await ctx.storage.apiKeys.findCredential(key.secretHash)).toMatchObject({
        ownerActive: false,
        ownerRole: null,
      });
    });

    it('lists the keys of one target, oldest first', async () => {
      const { org, owner, pipeline } = await world();
      const other = await world();
      const k2 = await ctx.fx.apiKey({ org, kind: 'pipeline', targetId: pipeline.id, createdBy: owner, now: at(2) });
      const k1 = await ctx.fx.apiKey({ org, kind: 'pipeline', targetId: pipeline.id, createdBy: owner, now: at(1) });
      const k3 = await ctx.fx.apiKey({ org, kind: 'pipeline', targetId: pipeline.id, createdBy: owner, now: at(3) });
      await ctx.fx.apiKey({ org, kind: 'personal', targetId: owner.id, createdBy: owner });
      await ctx.fx.apiKey({ org: other.org, kind: 'pipeline', targetId: other.pipeline.id, createdBy: other.owner });
      const listed = await ctx.storage.apiKeys.listByTarget(org.id, 'pipeline', pipeline.id);
      expect(listed.map((k) => k.id)).toEqual([k1.id, k2.id, k3.id]);
      expect(listed[0]!.toState()).toEqual(k1.toState());
      // The org is part of the key: the same user in another org has other keys.
      const mine = await ctx.fx.apiKey({ org: other.org, kind: 'personal', targetId: owner.id, createdBy: owner });
      expect((await ctx.storage.apiKeys.listByTarget(other.org.id, 'personal', owner.id)).map((k) => k.id)).toEqual([
        mine.id,
      ]);
      expect(await ctx.storage.apiKeys.listByTarget(org.id, 'deployment', pipeline.id)).toEqual([]);
    });

    it('returns copies and saves changes on update', async () => {
      const { org, owner } = await world();
      const key = await ctx.fx.apiKey({ org, kind: 'personal', targetId: owner.id, createdBy: owner });
      const loaded = (await ctx.storage.apiKeys.findById(key.id))!;
      loaded.describe('renamed', at(2));
      loaded.revoke(at(3));
      expect((await ctx.storage.apiKeys.findById(key.id))!.isActive).toBe(true);
      await ctx.storage.apiKeys.update(loaded);
      expect((await ctx.storage.apiKeys.findById(key.id))!.toState()).toEqual(loaded.toState());
    });

    it('touch records the last use and nothing else', async () => {
      const { org, owner } = await world();
      const key = await ctx.fx.apiKey({
        org,
        kind: 'personal',
        targetId: owner.id,
        createdBy: owner,
        description: 'kept',
      });
      await ctx.storage.apiKeys.touch(key.id, at(7, 77));
      const touched = (await ctx.storage.apiKeys.findById(key.id))!;
      expect(touched.lastUsedAt).toEqual(at(7, 77));
      expect({ ...touched.toState(), lastUsedAt: null }).toEqual(key.toState());
      await ctx.storage.apiKeys.touch(key.id, at(8));
      expect((await ctx.storage.apiKeys.findById(key.id))!.lastUsedAt).toEqual(at(8));
      await expect(ctx.storage.apiKeys.touch(uuid(), at(8))).resolves.toBeUndefined();
    });

    it('deletes a key', async () => {
      const { org, owner } = await world();
      const key = await ctx.fx.apiKey({ org, kind: 'personal', targetId: owner.id, createdBy: owner });
      await ctx.storage.apiKeys.delete(key.id);
      expect(await ctx.storage.apiKeys.findById(key.id)).toBeNull();
      expect(await ctx.storage.apiKeys.findBySecretHash(key.secretHash)).toBeNull();
      await expect(ctx.storage.apiKeys.delete(key.id)).resolves.toBeUndefined();
    });
  });
}
