import { hkdfSync, randomUUID } from 'node:crypto';
import { Invitation } from '@pipewright/core';
import { SignJWT } from 'jose';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  startTestServer,
  type TestServer,
  type TestUser,
} from '../support/test-server.js';

/** Issue 27: server roles, invitations with consent, offboarding, session revocation, password policy. */
describe('accounts: roles, invitations, offboarding and sessions', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  }, 60_000);
  afterAll(() => server.close());

  const json = async (path: string, init: RequestInit & { auth?: string; json?: unknown } = {}) => {
    const res = await server.fetch(path, init);
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  };
  const login = (email: string, password: string) =>
    server.fetch('/api/v1/login', { method: 'POST', body: new URLSearchParams({ username: email, password }) });
  const me = (auth: string) => server.fetch('/admin/api/v1/me', { auth });

  describe('server roles', () => {
    it('makes the bootstrap admin a server admin, and no organization admin one by being it', async () => {
      expect((await json('/admin/api/v1/me', { auth: server.admin.token })).body.user.is_server_admin).toBe(true);
      // A second admin of the default organization: an organization role, not a server role.
      const orgAdmin = await server.user({ role: 'admin' });
      expect((await json('/admin/api/v1/me', { auth: orgAdmin.token })).body.user.is_server_admin).toBe(false);
      expect((await server.fetch('/admin/api/v1/workers', { auth: orgAdmin.token })).status).toBe(403);
      expect((await server.fetch('/admin/api/v1/server/organizations', { auth: orgAdmin.token })).status).toBe(403);
      const create = await json('/admin/api/v1/organizations', {
        method: 'POST',
        auth: orgAdmin.token,
        json: { slug: 'by-org-admin' },
      });
      expect(create.status).toBe(403);
      expect(await server.built.storage.organizations.findBySlug('by-org-admin')).toBeNull();
      expect(
        (
          await server.fetch('/admin/api/v1/organizations/acme/run-limit', {
            method: 'PUT',
            auth: orgAdmin.token,
            json: { maxConcurrentRuns: 9 },
          })
        ).status,
      ).toBe(403);
      // The server admin may do all of it.
      expect((await server.fetch('/admin/api/v1/workers', { auth: server.admin.token })).status).toBe(200);
      const made = await json('/admin/api/v1/organizations', {
        method: 'POST',
        auth: server.admin.token,
        json: { slug: 'by-server-admin' },
      });
      expect(made).toMatchObject({ status: 201, body: { slug: 'by-server-admin', role: 'admin' } });
      const all = await json('/admin/api/v1/server/organizations?limit=1000', { auth: server.admin.token });
      expect(all.status).toBe(200);
      expect(all.body.items.map((o: { slug: string }) => o.slug)).toEqual(
        expect.arrayContaining(['acme', 'by-server-admin']),
      );
      expect(all.body.total).toBe(all.body.items.length);
    });
  });

  describe('invitations with consent', () => {
    let tenant: { id: string; slug: string; admin: TestUser };
    beforeAll(async () => {
      tenant = await server.organization('globex');
    });

    it('answers an invitation the same whether or not the email has an account, and adds nobody until they accept', async () => {
      const victim = await server.user();
      const known = await json('/admin/api/v1/organizations/globex/invitations', {
        method: 'POST',
        auth: tenant.admin.token,
        json: { email: victim.email },
      });
      const unknown = await json('/admin/api/v1/organizations/globex/invitations', {
        method: 'POST',
        auth: tenant.admin.token,
        json: { email: 'nobody-here@example.com' },
      });
      expect(known.status).toBe(201);
      expect(unknown.status).toBe(201);
      expect(Object.keys(known.body).sort()).toEqual(Object.keys(unknown.body).sort());
      expect(known.body).toMatchObject({ status: 'invited', email: victim.email, role: 'member' });
      expect(JSON.stringify(known.body)).not.toContain(victim.id);
      expect(await server.built.storage.memberships.find(tenant.id, victim.id)).toBeNull();
      // The old add-by-email route invites too (PIPEWRIGHT_DIRECT_MEMBERSHIP is off): no 404/201 oracle.
      const viaMembers = await json('/admin/api/v1/organizations/globex/members', {
        method: 'POST',
        auth: tenant.admin.token,
        json: { email: victim.email },
      });
      const viaMembersUnknown = await json('/admin/api/v1/organizations/globex/members', {
        method: 'POST',
        auth: tenant.admin.token,
        json: { email: 'nobody-else@example.com' },
      });
      expect(viaMembers).toMatchObject({ status: 201, body: { status: 'invited', email: victim.email } });
      expect(viaMembersUnknown).toMatchObject({
        status: 201,
        body: { status: 'invited', email: 'nobody-else@example.com' },
      });
      expect(await server.built.storage.memberships.find(tenant.id, victim.id)).toBeNull();
      // A member may not invite.
      const member = await server.user({ orgSlug: 'globex' });
      expect(
        (
          await server.fetch('/admin/api/v1/organizations/globex/invitations', {
            method: 'POST',
            auth: member.token,
            json: { email: 'x@example.com' },
          })
        ).status,
      ).toBe(403);
    });

    it('lets the invitee list, accept or decline; nobody else sees or answers it', async () => {
      const invitee = await server.user();
      const other = await server.user();
      const sent = await json('/admin/api/v1/organizations/globex/invitations', {
        method: 'POST',
        auth: tenant.admin.token,
        json: { email: invitee.email.toUpperCase(), role: 'admin' },
      });
      const id = sent.body.id as string;
      const mine = await json('/admin/api/v1/invitations', { auth: invitee.token });
      expect(mine.body.items).toEqual([
        expect.objectContaining({ id, role: 'admin', organization: expect.objectContaining({ slug: 'globex' }) }),
      ]);
      expect((await json('/admin/api/v1/invitations', { auth: other.token })).body.items).toEqual([]);
      expect(
        (await server.fetch(`/admin/api/v1/invitations/${id}/accept`, { method: 'POST', auth: other.token })).status,
      ).toBe(404);
      expect(await server.built.storage.memberships.find(tenant.id, other.id)).toBeNull();
      const accepted = await json(`/admin/api/v1/invitations/${id}/accept`, { method: 'POST', auth: invitee.token });
      expect(accepted).toMatchObject({ status: 200, body: { slug: 'globex', role: 'admin' } });
      expect(await server.built.storage.memberships.find(tenant.id, invitee.id)).toMatchObject({ role: 'admin' });
      expect(await server.built.storage.invitations.findById(id)).toBeNull();
      expect(
        (await server.fetch(`/admin/api/v1/invitations/${id}/accept`, { method: 'POST', auth: invitee.token })).status,
      ).toBe(404);

      const again = await json('/admin/api/v1/organizations/globex/invitations', {
        method: 'POST',
        auth: tenant.admin.token,
        json: { email: other.email },
      });
      expect(
        (
          await server.fetch(`/admin/api/v1/invitations/${again.body.id}/decline`, {
            method: 'POST',
            auth: other.token,
          })
        ).status,
      ).toBe(204);
      expect(await server.built.storage.invitations.findById(again.body.id)).toBeNull();
      expect(await server.built.storage.memberships.find(tenant.id, other.id)).toBeNull();
    });

    it("keeps the user's default organization their oldest membership, in ZenML, Flow and native alike", async () => {
      const user = await server.user();
      const wf = await server.core.workflows.create(user.actor, {
        name: 'home-wf',
        definition: {
          source: { connector: 'inline', settings: { records: [] } },
          destination: { connector: 'none', settings: {} },
        },
      });
      await server.core.pipelines.create(user.actor, { name: 'home-pipeline', workflowId: wf.id });
      // An organization whose slug sorts before "acme" invites the user, who accepts.
      const early = await server.organization('aaa-early');
      const inv = await json('/admin/api/v1/organizations/aaa-early/invitations', {
        method: 'POST',
        auth: early.admin.token,
        json: { email: user.email },
      });
      expect(
        (await server.fetch(`/admin/api/v1/invitations/${inv.body.id}/accept`, { method: 'POST', auth: user.token }))
          .status,
      ).toBe(200);
      const orgs = (await json('/admin/api/v1/me', { auth: user.token })).body.organizations.map(
        (o: { slug: string }) => o.slug,
      );
      expect(orgs).toEqual(['acme', 'aaa-early']);
      expect(JSON.stringify((await json('/api/v1/pipelines', { auth: user.token })).body)).toContain('home-pipeline');
      expect(JSON.stringify((await json('/api/v1/flow/pipeline', { auth: user.token })).body)).toContain(
        'home-pipeline',
      );
    });

    it('lets a member leave (their keys there revoked), but not the last admin', async () => {
      const leaver = await server.user({ orgSlug: 'globex' });
      expect((await server.fetch('/admin/api/v1/me', { auth: leaver.apiKey })).status).toBe(200);
      expect(
        (await server.fetch('/admin/api/v1/organizations/globex/members/me', { method: 'DELETE', auth: leaver.token }))
          .status,
      ).toBe(204);
      expect(await server.built.storage.memberships.find(tenant.id, leaver.id)).toBeNull();
      expect(await server.built.storage.apiKeys.listByTarget(tenant.id, 'personal', leaver.id)).toEqual([]);
      expect((await server.fetch('/admin/api/v1/me', { auth: leaver.apiKey })).status).toBe(401);
      const solo = await server.organization('solo-admin');
      const last = await json('/admin/api/v1/organizations/solo-admin/members/me', {
        method: 'DELETE',
        auth: solo.admin.token,
      });
      expect(last.status).toBe(400);
      expect(last.body.detail).toMatch(/last admin/);
      expect(await server.built.storage.memberships.find(solo.id, solo.admin.id)).toMatchObject({ role: 'admin' });
    });
  });

  describe('offboarding', () => {
    it('removes a member: their keys for that organization go in the same transaction, their pipelines stay', async () => {
      const tenant = await server.organization('offboard');
      const member = await server.user({ orgSlug: 'offboard' });
      const wf = await server.core.workflows.create(member.actor, {
        name: 'kept-wf',
        definition: {
          source: { connector: 'inline', settings: { records: [] } },
          destination: { connector: 'none', settings: {} },
        },
      });
      const { pipeline } = await server.core.pipelines.create(member.actor, { name: 'kept', workflowId: wf.id });
      const outsider = await server.organization('offboard-rival');
      expect(
        (
          await server.fetch(`/admin/api/v1/organizations/offboard/members/${member.id}`, {
            method: 'DELETE',
            auth: outsider.admin.token,
          })
        ).status,
      ).toBe(403);
      expect(
        (
          await server.fetch(`/admin/api/v1/organizations/offboard/members/${member.id}`, {
            method: 'DELETE',
            auth: member.token,
          })
        ).status,
      ).toBe(403);
      expect(
        (
          await server.fetch(`/admin/api/v1/organizations/offboard/members/${member.id}`, {
            method: 'DELETE',
            auth: tenant.admin.token,
          })
        ).status,
      ).toBe(204);
      expect(await server.built.storage.memberships.find(tenant.id, member.id)).toBeNull();
      expect(await server.built.storage.apiKeys.listByTarget(tenant.id, 'personal', member.id)).toEqual([]);
      expect((await server.fetch('/api/v1/pipelines', { auth: member.apiKey })).status).toBe(401);
      expect((await server.built.storage.pipelines.findById(pipeline.id))?.ownerId).toBe(member.id);
      expect(
        (
          await server.fetch(`/admin/api/v1/organizations/offboard/members/${member.id}`, {
            method: 'DELETE',
            auth: tenant.admin.token,
          })
        ).status,
      ).toBe(404);
    });

    it('deactivates a user server-wide (server admins only): every token, cookie and key stops at once', async () => {
      const user = await server.user();
      const cookieLogin = await login(user.email, user.password);
      const cookie = cookieLogin.headers.get('set-cookie')!.split(';')[0]!;
      const orgAdmin = await server.user({ role: 'admin' });
      expect(
        (await server.fetch(`/admin/api/v1/users/${user.id}/deactivate`, { method: 'POST', auth: orgAdmin.token }))
          .status,
      ).toBe(403);
      expect(
        (
          await server.fetch(`/admin/api/v1/users/${server.admin.id}/deactivate`, {
            method: 'POST',
            auth: server.admin.token,
          })
        ).status,
      ).toBe(400);
      const off = await json(`/admin/api/v1/users/${user.id}/deactivate`, { method: 'POST', auth: server.admin.token });
      expect(off).toMatchObject({ status: 200, body: { id: user.id, is_active: false } });
      expect(await server.built.storage.users.findById(user.id)).toMatchObject({ isActive: false, sessionVersion: 1 });
      expect((await me(user.token)).status).toBe(401);
      expect((await me(user.apiKey)).status).toBe(401);
      expect((await server.fetch('/api/v1/current-user', { headers: { cookie } })).status).toBe(401);
      expect((await login(user.email, user.password)).status).toBe(401);
    });
  });

  describe('sessions', () => {
    it('ends every token and cookie on a password change; the new password signs in', async () => {
      const user = await server.user();
      const cookie = (await login(user.email, user.password)).headers.get('set-cookie')!.split(';')[0]!;
      const change = await server.fetch(`/admin/api/v1/users/${user.id}/password`, {
        method: 'PUT',
        auth: user.token,
        json: { password: 'a-new-long-passphrase-1' },
      });
      expect(change.status).toBe(204);
      expect((await me(user.token)).status).toBe(401);
      expect((await server.fetch('/api/v1/current-user', { headers: { cookie } })).status).toBe(401);
      // The old session cannot change the password again.
      expect(
        (
          await server.fetch(`/admin/api/v1/users/${user.id}/password`, {
            method: 'PUT',
            auth: user.token,
            json: { password: 'another-passphrase-2' },
          })
        ).status,
      ).toBe(401);
      // Personal keys are separate credentials: they keep working.
      expect((await me(user.apiKey)).status).toBe(200);
      const fresh = await login(user.email, 'a-new-long-passphrase-1');
      expect(fresh.status).toBe(200);
      expect((await me(((await fresh.json()) as { access_token: string }).access_token)).status).toBe(200);
    });

    it('logout (POST) ends every session of the user, in ZenML and native alike', async () => {
      const user = await server.user();
      const first = ((await (await login(user.email, user.password)).json()) as { access_token: string }).access_token;
      const cookie = (await login(user.email, user.password)).headers.get('set-cookie')!.split(';')[0]!;
      expect((await server.fetch('/api/v1/logout', { method: 'POST', headers: { cookie } })).status).toBe(200);
      expect((await me(first)).status).toBe(401);
      expect((await me(user.token)).status).toBe(401);
      const again = ((await (await login(user.email, user.password)).json()) as { access_token: string }).access_token;
      expect((await server.fetch('/admin/api/v1/logout', { method: 'POST', auth: again })).status).toBe(204);
      expect((await me(again)).status).toBe(401);
      expect((await server.built.storage.users.findById(user.id))?.sessionVersion).toBe(2);
    });

    it('refuses a token without an expiry, even one signed with the server key', async () => {
      const key = new Uint8Array(
        Buffer.from(hkdfSync('sha256', 'test-secret-for-pipewright-0123456789', 'pipewright', 'token', 32)),
      );
      const forever = await new SignJWT({ ver: 0 })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(server.admin.id)
        .setIssuer('pipewright')
        .setIssuedAt()
        .sign(key);
      const bounded = await new SignJWT({ ver: 0 })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(server.admin.id)
        .setIssuer('pipewright')
        .setIssuedAt()
        .setExpirationTime('60s')
        .sign(key);
      expect((await me(bounded)).status).toBe(200);
      expect((await me(forever)).status).toBe(401);
    });
  });

  describe('account creation and the server role', () => {
    it('lets only server admins create accounts, so no answer to an organization admin tells whether an email has one', async () => {
      const tenant = await server.organization('no-oracle');
      const elsewhere = await server.user();
      const fresh = `fresh-${Date.now()}@example.com`;
      const nativeTaken = await json('/admin/api/v1/users?org=no-oracle', {
        method: 'POST',
        auth: tenant.admin.token,
        json: { email: elsewhere.email, password: 'a-long-passphrase-1' },
      });
      const nativeFresh = await json('/admin/api/v1/users?org=no-oracle', {
        method: 'POST',
        auth: tenant.admin.token,
        json: { email: fresh, password: 'a-long-passphrase-1' },
      });
      expect(nativeTaken.status).toBe(403);
      expect(nativeFresh).toEqual({ ...nativeTaken, headers: nativeFresh.headers });
      expect(nativeTaken.body.detail).toMatch(/invite/);
      const zenmlTaken = await json('/api/v1/users', {
        method: 'POST',
        auth: tenant.admin.token,
        json: { name: elsewhere.email, password: 'a-long-passphrase-1' },
      });
      const zenmlFresh = await json('/api/v1/users', {
        method: 'POST',
        auth: tenant.admin.token,
        json: { name: fresh, password: 'a-long-passphrase-1' },
      });
      expect(zenmlTaken.status).toBe(403);
      expect(zenmlFresh).toEqual({ ...zenmlTaken, headers: zenmlFresh.headers });
      expect(await server.built.storage.users.findByEmail(fresh)).toBeNull();
      expect(await server.built.storage.memberships.find(tenant.id, elsewhere.id)).toBeNull();
      // A server admin sees every account anyway: a taken email is a 409 for them.
      const made = await json('/admin/api/v1/users?org=acme', {
        method: 'POST',
        auth: server.admin.token,
        json: { email: fresh, password: 'a-long-passphrase-1' },
      });
      expect(made).toMatchObject({ status: 201, body: { email: fresh, role: 'member' } });
      expect(
        (
          await json('/admin/api/v1/users?org=acme', {
            method: 'POST',
            auth: server.admin.token,
            json: { email: fresh },
          })
        ).status,
      ).toBe(409);
      // A pipeline key never creates accounts, whoever issued it.
      const wf = await server.core.workflows.create(server.admin.actor, {
        name: 'key-wf',
        definition: {
          source: { connector: 'inline', settings: { records: [] } },
          destination: { connector: 'none', settings: {} },
        },
      });
      const { pipeline } = await server.core.pipelines.create(server.admin.actor, {
        name: 'key-pipeline',
        workflowId: wf.id,
      });
      const { secret } = await server.core.apiKeys.createPipelineKey(server.admin.actor, pipeline.id);
      const byKey = `by-key-${Date.now()}@example.com`;
      expect([403, 404]).toContain(
        (await json('/admin/api/v1/users?org=acme', { method: 'POST', auth: secret, json: { email: byKey } })).status,
      );
      expect(await server.built.storage.users.findByEmail(byKey)).toBeNull();
    });

    it('grants and revokes the server role over HTTP (server admins only); the last server admin keeps it', async () => {
      const user = await server.user({ role: 'admin' });
      const path = `/admin/api/v1/users/${user.id}/server-admin`;
      expect((await server.fetch(path, { method: 'PUT', auth: user.token, json: { serverAdmin: true } })).status).toBe(
        403,
      );
      expect(
        (await server.fetch(path, { method: 'PUT', auth: server.admin.token, json: { serverAdmin: 'yes' } })).status,
      ).toBe(400);
      expect(
        (
          await server.fetch('/admin/api/v1/users/7d0f1c55-0d7a-4a51-a9d1-2f8f6e9d2c10/server-admin', {
            method: 'PUT',
            auth: server.admin.token,
            json: { serverAdmin: true },
          })
        ).status,
      ).toBe(404);
      const granted = await json(path, { method: 'PUT', auth: server.admin.token, json: { serverAdmin: true } });
      expect(granted).toMatchObject({ status: 200, body: { id: user.id, server_admin: true } });
      expect((await server.built.storage.users.findById(user.id))?.isServerAdmin).toBe(true);
      expect((await server.fetch('/admin/api/v1/workers', { auth: user.token })).status).toBe(200);
      // The new server admin revokes the old one's role, then cannot drop their own: they are the last.
      expect(
        (
          await json(`/admin/api/v1/users/${server.admin.id}/server-admin`, {
            method: 'PUT',
            auth: user.token,
            json: { serverAdmin: false },
          })
        ).body.server_admin,
      ).toBe(false);
      const last = await json(path, { method: 'PUT', auth: user.token, json: { serverAdmin: false } });
      expect(last.status).toBe(400);
      expect(last.body.detail).toMatch(/last server admin/);
      expect((await server.built.storage.users.findById(user.id))?.isServerAdmin).toBe(true);
      expect((await server.fetch('/admin/api/v1/workers', { auth: server.admin.token })).status).toBe(403);
      // Give the role back, so the other tests keep their server admin.
      expect(
        (
          await json(`/admin/api/v1/users/${server.admin.id}/server-admin`, {
            method: 'PUT',
            auth: user.token,
            json: { serverAdmin: true },
          })
        ).status,
      ).toBe(200);
      expect(
        (await json(path, { method: 'PUT', auth: server.admin.token, json: { serverAdmin: false } })).body.server_admin,
      ).toBe(false);
    });
  });

  describe('expired invitations', () => {
    it('deletes them when the organization invites again or the invitee lists theirs', async () => {
      const tenant = await server.organization('expiring');
      const invitee = await server.user();
      const past = new Date(Date.now() - 86_400_000);
      const expired = (email: string) =>
        Invitation.restore({
          id: randomUUID(),
          orgId: tenant.id,
          email,
          role: 'member',
          invitedBy: tenant.admin.id,
          createdAt: new Date(past.getTime() - 14 * 86_400_000),
          expiresAt: past,
        });
      const forOrg = expired('someone-else@example.com');
      const forInvitee = expired(invitee.email);
      await server.built.storage.invitations.insert(forOrg);
      await server.built.storage.invitations.insert(forInvitee);
      const mine = await json('/admin/api/v1/invitations', { auth: invitee.token });
      expect(mine.body.items).toEqual([]);
      expect(await server.built.storage.invitations.findById(forInvitee.id)).toBeNull();
      expect(await server.built.storage.invitations.findById(forOrg.id)).not.toBeNull();
      const sent = await json('/admin/api/v1/organizations/expiring/invitations', {
        method: 'POST',
        auth: tenant.admin.token,
        json: { email: 'new-one@example.com' },
      });
      expect(sent.status).toBe(201);
      expect(await server.built.storage.invitations.findById(forOrg.id)).toBeNull();
      expect(await server.built.storage.invitations.findById(sent.body.id)).not.toBeNull();
    });
  });

  describe('hygiene', () => {
    it('refuses short, blank and common passwords', async () => {
      for (const password of ['        ', 'password', '12345678', 'Password1', 'short']) {
        const r = await json('/admin/api/v1/users?org=acme', {
          method: 'POST',
          auth: server.admin.token,
          json: { email: `pw-${Math.random()}@example.com`, password },
        });
        expect([password, r.status, r.body.errors?.[0]?.field]).toEqual([password, 400, 'password']);
      }
      const ok = await json('/admin/api/v1/users?org=acme', {
        method: 'POST',
        auth: server.admin.token,
        json: { email: `pw-ok-${Math.random()}@example.com`, password: 'correct horse battery' },
      });
      expect(ok.status).toBe(201);
      const r = await json(`/admin/api/v1/users/${server.admin.id}/password?org=acme`, {
        method: 'PUT',
        auth: server.admin.token,
        json: { password: 'qwertyuiop' },
      });
      expect(r).toMatchObject({ status: 400, body: { errors: [{ field: 'password', code: 'too_common' }] } });
      expect((await login(ADMIN_EMAIL, ADMIN_PASSWORD)).status).toBe(200);
    });
  });
});

describe('accounts: direct membership in a trusted install', () => {
  it('adds an existing user at once when PIPEWRIGHT_DIRECT_MEMBERSHIP is on', async () => {
    const server = await startTestServer({ config: { directMembership: true } });
    try {
      const tenant = await server.organization('trusted');
      const user = await server.user();
      const r = await server.fetch('/admin/api/v1/organizations/trusted/members', {
        method: 'POST',
        auth: tenant.admin.token,
        json: { email: user.email },
      });
      expect(r.status).toBe(201);
      expect(await r.json()).toMatchObject({ id: user.id, email: user.email, role: 'member', status: 'member' });
      expect(await server.built.storage.memberships.find(tenant.id, user.id)).toMatchObject({ role: 'member' });
      // An email without an account is still an invitation.
      const unknown = await server.fetch('/admin/api/v1/organizations/trusted/members', {
        method: 'POST',
        auth: tenant.admin.token,
        json: { email: 'later@example.com' },
      });
      expect(await unknown.json()).toMatchObject({ status: 'invited', email: 'later@example.com' });
    } finally {
      await server.close();
    }
  });
});
