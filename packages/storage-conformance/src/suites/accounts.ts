import { describe, expect, it } from '@jest/globals';
import { Invitation } from '@pipewright/core';
import { at, unique, uuid } from '../fixtures.js';
import { expectConflict } from '../expectations.js';
import { useStorage, type StorageFactory } from '../harness.js';

/** Server roles and session versions on users, the default organization, every organization, invitations, admin locks. */
export function accountSuite(factory: StorageFactory): void {
  describe('accounts: server roles, sessions, invitations', () => {
    const ctx = useStorage(factory);

    it("keeps a user's server role and session version", async () => {
      const user = await ctx.fx.user();
      const loaded = (await ctx.storage.users.findById(user.id))!;
      expect([loaded.isServerAdmin, loaded.sessionVersion]).toEqual([false, 0]);
      loaded.grantServerAdmin(at(1));
      loaded.changePassword('other-hash', at(2));
      loaded.endSessions(at(3));
      await ctx.storage.users.update(loaded);
      const again = (await ctx.storage.users.findById(user.id))!;
      expect([again.isServerAdmin, again.sessionVersion]).toEqual([true, 2]);
      expect(again.toState()).toEqual(loaded.toState());
    });

    it("lists a user's organizations oldest membership first (the default organization), then by slug", async () => {
      const user = await ctx.fx.user();
      const a = await ctx.fx.org({ slug: unique('aa') });
      const b = await ctx.fx.org({ slug: unique('bb') });
      const c = await ctx.fx.org({ slug: unique('cc') });
      await ctx.fx.member(c, user, 'member', at(1));
      await ctx.fx.member(a, user, 'admin', at(5));
      await ctx.fx.member(b, user, 'member', at(5));
      const list = await ctx.storage.organizations.listForUser(user.id);
      expect(list.map((e) => [e.organization.slug, e.role])).toEqual([
        [c.slug, 'member'],
        [a.slug, 'admin'],
        [b.slug, 'member'],
      ]);
    });

    it('lists every organization by slug, in pages with the total', async () => {
      const before = (await ctx.storage.organizations.listAll({ page: 1, size: 1000 })).total;
      const z = await ctx.fx.org({ slug: unique('zz') });
      const a = await ctx.fx.org({ slug: unique('aa') });
      const all = await ctx.storage.organizations.listAll({ page: 1, size: 1000 });
      expect(all.total).toBe(before + 2);
      const slugs = all.items.map((o) => o.slug);
      expect(slugs).toEqual([...slugs].sort());
      expect(slugs.indexOf(a.slug)).toBeLessThan(slugs.indexOf(z.slug));
      const first = await ctx.storage.organizations.listAll({ page: 1, size: 1 });
      expect([first.items.length, first.total]).toEqual([1, before + 2]);
    });

    it("lists an organization's admins for update, inside a transaction", async () => {
      const org = await ctx.fx.org();
      const admin = await ctx.fx.memberUser(org, { role: 'admin' });
      await ctx.fx.memberUser(org);
      const admins = await ctx.storage.transaction((tx) => tx.memberships.listAdminsForUpdate(org.id));
      expect(admins.map((m) => [m.userId, m.role])).toEqual([[admin.id, 'admin']]);
      expect(await ctx.storage.memberships.listAdminsForUpdate('not-a-uuid')).toEqual([]);
    });

    it('lists the active server admins for update, inside a transaction', async () => {
      const admin = await ctx.fx.user();
      const inactive = await ctx.fx.user();
      const plain = await ctx.fx.user();
      for (const user of [admin, inactive]) user.grantServerAdmin(at(1));
      inactive.deactivate(at(2));
      await ctx.storage.users.update(admin);
      await ctx.storage.users.update(inactive);
      const ids = (await ctx.storage.transaction((tx) => tx.users.listServerAdminsForUpdate())).map((u) => u.id);
      expect(ids).toContain(admin.id);
      expect(ids).not.toContain(inactive.id);
      expect(ids).not.toContain(plain.id);
    });

    it('deletes the expired invitations of one organization, or to one email, and no others', async () => {
      const org = await ctx.fx.org();
      const other = await ctx.fx.org();
      const inviter = await ctx.fx.memberUser(org, { role: 'admin' });
      const email = `${unique('expiring')}@example.test`;
      const invite = async (orgId: string, to: string, day: number) => {
        const invitation = Invitation.create({
          id: uuid(),
          orgId,
          email: to,
          invitedBy: inviter.id,
          now: new Date(at(0).getTime() + day * 86_400_000),
        });
        await ctx.storage.invitations.insert(invitation);
        return invitation;
      };
      const oldInOrg = await invite(org.id, `${unique('a')}@example.test`, 0);
      const freshInOrg = await invite(org.id, `${unique('b')}@example.test`, 10);
      const oldToEmail = await invite(other.id, email, 0);
      const oldElsewhere = await invite(other.id, `${unique('c')}@example.test`, 0);
      // Day 20: the day-0 invitations (open 14 days) expired; the day-10 one is open.
      const now = new Date(at(0).getTime() + 20 * 86_400_000);
      expect(await ctx.storage.transaction((tx) => tx.invitations.deleteExpired({ orgId: org.id }, now))).toBe(1);
      expect(await ctx.storage.invitations.findById(oldInOrg.id)).toBeNull();
      expect(await ctx.storage.invitations.findById(freshInOrg.id)).not.toBeNull();
      expect(await ctx.storage.invitations.deleteExpired({ email }, now)).toBe(1);
      expect(await ctx.storage.invitations.findById(oldToEmail.id)).toBeNull();
      expect(await ctx.storage.invitations.findById(oldElsewhere.id)).not.toBeNull();
      expect(await ctx.storage.invitations.deleteExpired({ orgId: 'not-a-uuid' }, now)).toBe(0);
    });

    it('stores invitations: one per organization and email, found by id and email, renewed, deleted', async () => {
      const org = await ctx.fx.org();
      const other = await ctx.fx.org();
      const inviter = await ctx.fx.memberUser(org, { role: 'admin' });
      const email = `${unique('invitee')}@example.test`;
      const invitation = Invitation.create({
        id: uuid(),
        orgId: org.id,
        email: email.toUpperCase(),
        invitedBy: inviter.id,
        now: at(1),
      });
      await ctx.storage.invitations.insert(invitation);
      expect((await ctx.storage.invitations.findById(invitation.id))?.toState()).toEqual(invitation.toState());
      expect((await ctx.storage.invitations.findByEmail(org.id, email))?.id).toBe(invitation.id);
      expect(await ctx.storage.invitations.findByEmail(other.id, email)).toBeNull();
      await expectConflict(
        ctx.storage.invitations.insert(
          Invitation.create({ id: uuid(), orgId: org.id, email, invitedBy: inviter.id, now: at(2) }),
        ),
        'email',
      );
      const elsewhere = Invitation.create({
        id: uuid(),
        orgId: other.id,
        email,
        role: 'admin',
        invitedBy: inviter.id,
        now: at(3),
      });
      await ctx.storage.invitations.insert(elsewhere);
      expect((await ctx.storage.invitations.listForEmail(email)).map((i) => i.id)).toEqual([
        invitation.id,
        elsewhere.id,
      ]);
      invitation.renew('admin', inviter.id, at(4));
      await ctx.storage.invitations.update(invitation);
      expect((await ctx.storage.invitations.findById(invitation.id))?.toState()).toEqual(invitation.toState());
      await ctx.storage.invitations.delete(invitation.id);
      expect(await ctx.storage.invitations.findById(invitation.id)).toBeNull();
      expect(await ctx.storage.invitations.findById('not-a-uuid')).toBeNull();
      expect((await ctx.storage.invitations.listForEmail(email)).map((i) => i.id)).toEqual([elsewhere.id]);
    });
  });
}
