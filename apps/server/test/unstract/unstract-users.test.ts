import { startTestServer, type TestServer } from '../support/test-server.js';
import { api, call, cast, createPipeline, createWorkflow, type Cast } from './unstract-support.js';

/** Int user ids (what `unstract clone` does: `int(user["id"])`), `users/`, and the empty collections. */
describe('unstract users, int user ids and empty collections', () => {
  let server: TestServer;
  let who: Cast;
  let base: string;
  const seqOf = async (id: string) =>
    (await server.core.admin.usersByIds({ kind: 'service', userId: id, orgId: server.org.id, role: 'admin' }, [id]))[0]!
      .seq;
  beforeAll(async () => {
    server = await startTestServer();
    who = await cast(server);
    base = api(server.org.slug);
  });
  afterAll(async () => {
    await server.close();
  });

  it('lists the organization members as Unstract does, with int ids', async () => {
    const r = await call(server, 'GET', `${base}/users/`, { as: who.member });
    expect(r.status).toBe(200);
    expect(r.body.message).toBe('success');
    const owner = r.body.members.find((m: { email: string }) => m.email === who.owner.email);
    expect(owner).toEqual({
      id: String(await seqOf(who.owner.id)),
      email: who.owner.email,
      role: 'user',
      is_admin: false,
      is_service_account: false,
    });
    const admin = r.body.members.find((m: { email: string }) => m.email === server.admin.email);
    expect(admin).toMatchObject({ role: 'admin', is_admin: true });
    // What the clone client does with each row.
    for (const m of r.body.members) expect(Number.isInteger(Number.parseInt(m.id, 10))).toBe(true);
    // Another organization's members are not listed.
    expect(r.body.members.map((m: { email: string }) => m.email)).not.toContain(who.foreign.email);
  });

  it('shows users by int id on pipelines and workflows, and shares by int id', async () => {
    const p = await createPipeline(server, who.owner, 'int-ids');
    const ownerSeq = await seqOf(who.owner.id);
    const sharedSeq = await seqOf(who.shared.id);
    const shared = await call(server, 'POST', `${base}/pipeline/${p.id}/share/`, {
      as: who.owner,
      json: { shared_users: [sharedSeq] },
    });
    expect(shared.status).toBe(200);
    expect(shared.body).toMatchObject({
      shared_users: [{ id: sharedSeq, username: expect.any(String) }],
      co_owners: [{ id: ownerSeq, email: who.owner.email }],
      created_by: ownerSeq,
    });
    const got = await call(server, 'GET', `${base}/pipeline/${p.id}/`, { as: who.shared });
    expect(got.body).toMatchObject({ shared_users: [sharedSeq], created_by: ownerSeq, modified_by: ownerSeq });

    const wf = await call(server, 'GET', `${base}/workflow/${p.workflow}/`, { as: who.owner });
    expect(wf.body).toMatchObject({ workflow_owner: ownerSeq, created_by: ownerSeq, shared_users: [] });
    const wfShare = await call(server, 'POST', `${base}/workflow/${p.workflow}/share/`, {
      as: who.owner,
      json: { shared_users: [String(sharedSeq)] },
    });
    expect(wfShare.body.shared_users).toEqual([{ id: sharedSeq, email: who.shared.email }]);
    expect(
      (await call(server, 'GET', `${base}/workflow/${p.workflow}/`, { as: who.shared })).body.shared_users,
    ).toEqual([sharedSeq]);
    // The workflow list's owner filter takes the int id too.
    const owned = await call(server, 'GET', `${base}/workflow/?workflow_owner=${ownerSeq}`, { as: who.owner });
    expect(owned.body.map((w: { id: string }) => w.id)).toContain(p.workflow);
    expect((await call(server, 'GET', `${base}/workflow/?workflow_owner=999999`, { as: who.owner })).body).toEqual([]);
  });

  it('refuses an int id that is not a member of the organization', async () => {
    const p = await createPipeline(server, who.owner, 'int-ids-bad');
    const foreignSeq = await seqOf(who.foreign.id);
    const r = await call(server, 'POST', `${base}/pipeline/${p.id}/share/`, {
      as: who.owner,
      json: { shared_users: [foreignSeq] },
    });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      type: 'validation_error',
      errors: [
        { code: 'does_not_exist', detail: `Invalid pk "${foreignSeq}" - object does not exist.`, attr: 'shared_users' },
      ],
    });
    const bad = await call(server, 'POST', `${base}/pipeline/${p.id}/share/`, {
      as: who.owner,
      json: { shared_users: ['x'] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].attr).toBe('shared_users');
  });

  it('stores "" for a workflow created without a description', async () => {
    const wf = await createWorkflow(server, who.owner, 'no-description');
    expect((wf as unknown as { description: string }).description).toBe('');
    expect((await call(server, 'GET', `${base}/workflow/${wf.id}/`, { as: who.owner })).body.description).toBe('');
  });

  describe('resources Pipewright has none of', () => {
    it.each([
      ['groups', []],
      ['adapter', []],
      ['prompt-studio', []],
      ['tool_instance', []],
      ['tags', { count: 0, next: null, previous: null, results: [] }],
    ])('%s/ lists nothing in Unstract’s shape, and an id is 404', async (path, empty) => {
      const list = await call(server, 'GET', `${base}/${path}/?workflow=x`, { as: who.member });
      expect(list.status).toBe(200);
      expect(list.body).toEqual(empty);
      const one = await call(server, 'GET', `${base}/${path}/00000000-0000-4000-8000-000000000001/`, {
        as: who.member,
      });
      expect(one.status).toBe(404);
      expect(one.body).toEqual({
        type: 'client_error',
        errors: [{ code: 'not_found', detail: 'Not found.', attr: null }],
      });
    });

    it('offers no POST in OPTIONS (what the clone reads its writable fields from)', async () => {
      for (const path of ['adapter', 'tags']) {
        const r = await call(server, 'OPTIONS', `${base}/${path}/`, { as: who.member });
        expect(r.status).toBe(200);
        expect(r.body.actions).toBeUndefined();
      }
    });

    it('still needs a platform credential', async () => {
      expect((await call(server, 'GET', `${base}/groups/`, { as: null })).status).toBe(401);
      expect((await call(server, 'GET', `${base}/users/`, { as: who.foreign })).status).toBe(403);
    });
  });
});
