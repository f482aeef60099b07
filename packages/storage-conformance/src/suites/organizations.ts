import { describe, expect, it } from '@jest/globals';
import { MAX_SEQ, Organization, User } from '@pipewright/core';
import { at, unique, uuid } from '../fixtures.js';
import { expectConflict } from '../expectations.js';
import { useStorage, type StorageFactory } from '../harness.js';

/** Organizations, users, memberships, and the int id sequences. */
export function organizationSuite(factory: StorageFactory): void {
  describe('organizations, users and memberships', () => {
    const ctx = useStorage(factory);

    it('inserts an organization and finds it by id, slug and seq', async () => {
      const org = await ctx.fx.org({ name: 'Acme', now: at(1, 123) });
      for (const found of [
        await ctx.storage.organizations.findById(org.id),
        await ctx.storage.organizations.findBySlug(org.slug),
        await ctx.storage.organizations.findBySeq(org.seq),
      ])
        expect(found?.toState()).toEqual(org.toState());
      expect(await ctx.storage.organizations.findById(uuid())).toBeNull();
      expect(await ctx.storage.organizations.findBySlug(unique('missing'))).toBeNull();
      expect(await ctx.storage.organizations.findBySeq(MAX_SEQ)).toBeNull();
    });

    it('finds users by id with their role in one organization', async () => {
      const org = await ctx.fx.org();
      const other = await ctx.fx.org();
      const admin = await ctx.fx.memberUser(org, { role: 'admin' });
      const member = await ctx.fx.memberUser(org);
      const outsider = await ctx.fx.memberUser(other, { role: 'admin' });
      const found = await ctx.storage.users.findByIdsWithRole(org.id, [
        admin.id,
        member.id,
        outsider.id,
        uuid(),
        admin.id,
      ]);
      const byId = new Map(found.map((f) => [f.user.id, f]));
      expect(found).toHaveLength(3);
      expect(byId.get(admin.id)!.role).toBe('admin');
      expect(byId.get(admin.id)!.user.toState()).toEqual(admin.toState());
      expect(byId.get(member.id)!.role).toBe('member');
      expect(byId.get(outsider.id)!.role).toBeNull();
      expect(await ctx.storage.users.findByIdsWithRole(org.id, [])).toEqual([]);
    });

    it('rejects a second organization with the same slug', async () => {
      const org = await ctx.fx.org();
      const twin = Organization.create({
        id: uuid(),
        seq: await ctx.storage.organizations.nextSeq(),
        slug: org.slug,
        now: at(0),
      });
      await expectConflict(ctx.storage.organizations.insert(twin), 'slug');
      expect(await ctx.storage.organizations.findById(twin.id)).toBeNull();
    });

    it('saves changes only on update (loaded organizations are copies)', async () => {
      const org = await ctx.fx.org();
      const loaded = (await ctx.storage.organizations.findById(org.id))!;
      loaded.changeMode('maintenance', at(5));
      expect((await ctx.storage.organizations.findById(org.id))!.mode).toBe('normal');
      await ctx.storage.organizations.update(loaded);
      const saved = (await ctx.storage.organizations.findById(org.id))!;
      expect(saved.mode).toBe('maintenance');
      expect(saved.toState()).toEqual(loaded.toState());
    });

    it("saves an organization's limit on concurrent runs and lists those that have one", async () => {
      const limited = await ctx.fx.org();
      const free = await ctx.fx.org();
      expect((await ctx.storage.organizations.findById(limited.id))!.maxConcurrentRuns).toBeNull();
      limited.limitConcurrentRuns(3, at(6));
      await ctx.storage.organizations.update(limited);
      const saved = (await ctx.storage.organizations.findById(limited.id))!;
      expect(saved.maxConcurrentRuns).toBe(3);
      expect(saved.toState()).toEqual(limited.toState());
      const listed = (await ctx.storage.organizations.listWithRunLimit()).filter(
        (o) => o.id === limited.id || o.id === free.id,
      );
      expect(listed.map((o) => [o.id, o.maxConcurrentRuns])).toEqual([[limited.id, 3]]);
      limited.limitConcurrentRuns(null, at(7));
      await ctx.storage.organizations.update(limited);
      expect((await ctx.storage.organizations.listWithRunLimit()).some((o) => o.id === limited.id)).toBe(false);
    });

    it('inserts a user and finds it by id, email and ids', async () => {
      const user = await ctx.fx.user({ name: 'ann', passwordHash: 'scrypt$hash', now: at(2, 5) });
      const other = await ctx.fx.user({ name: 'bob' });
      expect((await ctx.storage.users.findById(user.id))?.toState()).toEqual(user.toState());
      expect((await ctx.storage.users.findByEmail(user.email))?.toState()).toEqual(user.toState());
      expect(await ctx.storage.users.findByEmail(`${unique('nobody')}@example.test`)).toBeNull();
      const found = await ctx.storage.users.findByIds([other.id, uuid(), user.id]);
      expect(found.map((u) => u.id).sort()).toEqual([user.id, other.id].sort());
      expect(await ctx.storage.users.findByIds([])).toEqual([]);
    });

    it('rejects a second user with the same email', async () => {
      const user = await ctx.fx.user();
      const twin = User.create({
        id: uuid(),
        seq: await ctx.storage.users.nextSeq(),
        email: user.email,
        passwordHash: null,
        now: at(0),
      });
      await expectConflict(ctx.storage.users.insert(twin), 'email');
      expect(await ctx.storage.users.findById(twin.id)).toBeNull();
    });

    it('updates a user and counts users', async () => {
      const before = await ctx.storage.users.count();
      const user = await ctx.fx.user();
      await ctx.fx.user();
      expect(await ctx.storage.users.count()).toBe(before + 2);
      const loaded = (await ctx.storage.users.findById(user.id))!;
      loaded.changePassword('new-hash', at(9));
      loaded.deactivate(at(10));
      expect((await ctx.storage.users.findById(user.id))!.isActive).toBe(true);
      await ctx.storage.users.update(loaded);
      expect((await ctx.storage.users.findById(user.id))!.toState()).toEqual(loaded.toState());
    });

    it('adds, changes and removes memberships', async () => {
      const org = await ctx.fx.org();
      const user = await ctx.fx.user();
      expect(await ctx.storage.memberships.find(org.id, user.id)).toBeNull();
      await ctx.storage.memberships.upsert({ orgId: org.id, userId: user.id, role: 'member', createdAt: at(1) });
      expect(await ctx.storage.memberships.find(org.id, user.id)).toEqual({
        orgId: org.id,
        userId: user.id,
        role: 'member',
        createdAt: at(1),
      });
      await ctx.storage.memberships.upsert({ orgId: org.id, userId: user.id, role: 'admin', createdAt: at(1) });
      expect((await ctx.storage.memberships.find(org.id, user.id))?.role).toBe('admin');
      await ctx.storage.memberships.remove(org.id, user.id);
      expect(await ctx.storage.memberships.find(org.id, user.id)).toBeNull();
    });

    it('lists the organizations of a user with their role, by slug when joined at the same time', async () => {
      const user = await ctx.fx.user();
      const m = await ctx.fx.org({ slug: unique('mm') });
      const z = await ctx.fx.org({ slug: unique('zz') });
      const a = await ctx.fx.org({ slug: unique('aa') });
      await ctx.fx.org(); // not a member
      await ctx.fx.member(z, user, 'admin');
      await ctx.fx.member(a, user, 'member');
      await ctx.fx.member(m, user, 'member');
      const list = await ctx.storage.organizations.listForUser(user.id);
      expect(list.map((e) => [e.organization.slug, e.role])).toEqual([
        [a.slug, 'member'],
        [m.slug, 'member'],
        [z.slug, 'admin'],
      ]);
      expect(list[0]!.organization.toState()).toEqual(a.toState());
      expect(await ctx.storage.organizations.listForUser(uuid())).toEqual([]);
    });

    it('lists the members of an organization ordered by email, in pages with the total', async () => {
      const org = await ctx.fx.org();
      const c = await ctx.fx.memberUser(org, { email: `${unique('cc')}@example.test` });
      const a = await ctx.fx.memberUser(org, { email: `${unique('aa')}@example.test`, role: 'admin' });
      const b = await ctx.fx.memberUser(org, { email: `${unique('bb')}@example.test` });
      await ctx.fx.user(); // not a member
      const page1 = await ctx.storage.users.listByOrg(org.id, { page: 1, size: 2 });
      expect(page1.total).toBe(3);
      expect(page1.items.map((e) => [e.user.id, e.role])).toEqual([
        [a.id, 'admin'],
        [b.id, 'member'],
      ]);
      const page2 = await ctx.storage.users.listByOrg(org.id, { page: 2, size: 2 });
      expect(page2).toEqual({ total: 3, items: [expect.objectContaining({ role: 'member' })] });
      expect(page2.items[0]!.user.toState()).toEqual(c.toState());
      expect(await ctx.storage.users.listByOrg(org.id, { page: 3, size: 2 })).toEqual({ items: [], total: 3 });
    });

    it('hands out increasing, unique, positive int seqs per entity kind', async () => {
      for (const repo of [ctx.storage.organizations, ctx.storage.pipelines, ctx.storage.runs]) {
        const sequential: number[] = [];
        for (let i = 0; i < 5; i++) sequential.push(await repo.nextSeq());
        for (let i = 1; i < sequential.length; i++) expect(sequential[i]!).toBeGreaterThan(sequential[i - 1]!);
        const concurrent = await Promise.all(Array.from({ length: 10 }, () => repo.nextSeq()));
        const all = [...sequential, ...concurrent];
        expect(new Set(all).size).toBe(all.length);
        for (const seq of all) {
          expect(Number.isInteger(seq)).toBe(true);
          expect(seq).toBeGreaterThan(0);
          expect(seq).toBeLessThanOrEqual(MAX_SEQ);
        }
      }
    });
  });
}
