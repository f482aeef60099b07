import { randomUUID } from 'node:crypto';
import { query } from '@pipewright/core';
import { startTestServer, type TestServer, type TestUser } from '../support/test-server.js';
import { call, get } from './zenml-support.js';

// Create, get, update (tags), delete, and their error bodies.
describe('zenml: pipelines', () => {
  let server: TestServer;
  let admin: TestUser;
  let member: TestUser;

  beforeAll(async () => {
    server = await startTestServer();
    admin = server.admin;
    member = await server.user({ role: 'member' });
  });
  afterAll(async () => {
    await server.close();
  });

  const create = (json: unknown, auth = admin.token, qs = '') =>
    call(server, `/api/v1/pipelines${qs}`, { method: 'POST', auth, json });
  const put = (id: string, json: unknown, auth = admin.token) =>
    call(server, `/api/v1/pipelines/${id}`, { method: 'PUT', auth, json });
  const tagNames = (p: { resources: { tags: { name: string }[] } }) => p.resources.tags.map((t) => t.name).sort();
  let n = 0;
  const unique = (prefix = 'p') => `${prefix}-${++n}`;

  describe('POST /api/v1/pipelines', () => {
    it('creates a hydrated pipeline with auto-created tags (200, not 201)', async () => {
      const res = await create({ name: 'training', description: 'trains', tags: ['ml', 'nightly'], project: 'acme' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        name: 'training',
        permission_denied: false,
        body: {
          user_id: admin.id,
          project_id: server.org.id,
          created: expect.any(String),
          updated: expect.any(String),
        },
        metadata: { description: 'trains' },
        resources: {
          user: { id: admin.id },
          latest_run_id: null,
          latest_run_status: null,
          latest_run_user: null,
          visualizations: [],
        },
      });
      expect(tagNames(res.body)).toEqual(['ml', 'nightly']);
      const tags = await get(server, '/api/v1/tags?name=oneof:["ml","nightly"]', admin.token);
      expect(tags.total).toBe(2);
    });

    it('binds the project’s default workflow, created once, shared with the organization', async () => {
      const a = await create({ name: unique(), project: server.org.id });
      const b = await create({ name: unique(), project: 'acme' }, member.token);
      expect(b.status).toBe(200);
      const wfA = (await server.core.pipelines.get(admin.actor, a.body.id)).workflowId;
      const wfB = (await server.core.pipelines.get(admin.actor, b.body.id)).workflowId;
      expect(wfB).toBe(wfA);
      const wf = await server.core.workflows.get(member.actor, wfA);
      expect({ name: wf.name, sharedToOrg: wf.sharedToOrg }).toEqual({ name: 'zenml-default', sharedToOrg: true });
      const named = await server.core.workflows.list(
        admin.actor,
        query({ filters: [{ field: 'name', op: 'equals', value: 'zenml-default' }] }),
      );
      expect(named.total).toBe(1);
    });

    it('each project gets its own default workflow', async () => {
      const other = await server.organization('zc-other');
      const res = await create({ name: 'training', project: 'zc-other' }, other.admin.token);
      expect(res.status).toBe(200);
      const p = await server.core.pipelines.get(other.admin.actor, res.body.id);
      expect((await server.core.workflows.get(other.admin.actor, p.workflowId)).name).toBe('zenml-default');
    });

    it('?project_name_or_id replaces body.project; without either the request is a 422', async () => {
      expect((await create({ name: unique() }, admin.token, '?project_name_or_id=acme')).status).toBe(200);
      const res = await create({ name: unique() });
      expect(res).toMatchObject({
        status: 422,
        body: [
          'ValueError',
          "[{'type': 'missing', 'loc': ('body', 'project'), 'msg': 'Field required', 'input': None}]",
        ],
      });
    });

    it('a duplicate name in the project is 409 EntityExistsError', async () => {
      await create({ name: 'dup', project: 'acme' });
      const res = await create({ name: 'dup', project: 'acme' });
      expect(res).toMatchObject({
        status: 409,
        body: {
          detail: [
            'EntityExistsError',
            `Unable to create pipeline in project '${server.org.id}': A pipeline with the name dup already exists.`,
          ],
        },
      });
    });

    it('invalid bodies are FastAPI’s bare 422', async () => {
      const missing = await create({ project: 'acme' });
      expect(missing.status).toBe(422);
      expect(missing.body[0]).toBe('ValueError');
      expect(missing.body[1]).toContain("'loc': ('body', 'name')");
      const long = await create({ name: 'x'.repeat(256), project: 'acme' });
      expect(long.status).toBe(422);
      expect(long.body[1]).toContain("'loc': ('body', 'name')");
      const tags = await create({ name: unique(), project: 'acme', tags: 'ml' });
      expect(tags.body[1]).toContain("'loc': ('body', 'tags')");
      const broken = await call(server, '/api/v1/pipelines', {
        method: 'POST',
        auth: admin.token,
        headers: { 'content-type': 'application/json' },
        body: '{"name":',
      });
      expect(broken).toMatchObject({
        status: 422,
        body: ['ValueError', expect.stringContaining("'type': 'json_invalid'")],
      });
      const none = await call(server, '/api/v1/pipelines', { method: 'POST', auth: admin.token });
      expect(none).toMatchObject({
        status: 422,
        body: ['ValueError', "[{'type': 'missing', 'loc': ('body',), 'msg': 'Field required', 'input': None}]"],
      });
    });

    it('an exclusive tag cannot go on a pipeline (400)', async () => {
      await call(server, '/api/v1/tags', {
        method: 'POST',
        auth: admin.token,
        json: { name: 'only-one', exclusive: true },
      });
      const res = await create({ name: unique(), project: 'acme', tags: ['only-one'] });
      expect(res).toMatchObject({
        status: 400,
        body: { detail: ['ValueError', 'Can not attach exclusive tag to resource of type pipeline: only-one.'] },
      });
    });

    it('needs a token', async () => {
      expect(
        await call(server, '/api/v1/pipelines', { method: 'POST', json: { name: 'x', project: 'acme' } }),
      ).toMatchObject({ status: 401, body: { detail: 'Not authenticated' } });
    });
  });

  describe('GET /api/v1/pipelines/{id}', () => {
    it('a malformed id is 422 (bare), an unknown one 404 KeyError', async () => {
      expect(await call(server, '/api/v1/pipelines/nope', { auth: admin.token })).toMatchObject({
        status: 422,
        body: [
          'ValueError',
          "[{'type': 'uuid_parsing', 'loc': ('path', 'pipeline_id'), 'msg': 'Input should be a valid UUID', 'input': 'nope'}]",
        ],
      });
      const id = randomUUID();
      expect(await call(server, `/api/v1/pipelines/${id}`, { auth: admin.token })).toMatchObject({
        status: 404,
        body: { detail: ['KeyError', `'Unable to get pipeline with ID ${id}: No pipeline with this ID found.'`] },
      });
    });

    it('a pipeline the caller cannot see is 404; one in another of the caller’s projects is found', async () => {
      const mine = await create({ name: unique(), project: 'acme' }, member.token);
      const stranger = await server.user({ role: 'member' });
      expect((await call(server, `/api/v1/pipelines/${mine.body.id}`, { auth: stranger.token })).status).toBe(404);

      const other = await server.organization('zc-second');
      const there = await create({ name: unique(), project: 'zc-second' }, other.admin.token);
      await server.core.admin.addMember(other.admin.actor, { userId: admin.id, role: 'admin' });
      // The admin's default project is acme; the pipeline lives in zc-second.
      expect((await get(server, `/api/v1/pipelines/${there.body.id}`, admin.token)).body.project_id).toBe(other.id);
    });
  });

  describe('PUT /api/v1/pipelines/{id}', () => {
    it('add_tags auto-creates by name, reuses existing ones, and re-adding is a no-op', async () => {
      const p = await create({ name: unique(), project: 'acme', tags: ['keep'] });
      const res = await put(p.body.id, { add_tags: ['keep', 'fresh-tag'] });
      expect(res.status).toBe(200);
      expect(tagNames(res.body)).toEqual(['fresh-tag', 'keep']);
      expect(res.body.metadata).toEqual({ description: null });
      const fresh = await get(server, '/api/v1/tags/fresh-tag', admin.token);
      expect(fresh).toMatchObject({ name: 'fresh-tag', body: { exclusive: false }, metadata: { tagged_count: 1 } });
    });

    it('add_tags takes a tag id; an unknown id is 404', async () => {
      const tag = await call(server, '/api/v1/tags', { method: 'POST', auth: admin.token, json: { name: 'by-id' } });
      const p = await create({ name: unique(), project: 'acme' });
      expect(tagNames((await put(p.body.id, { add_tags: [tag.body.id] })).body)).toEqual(['by-id']);
      const missing = randomUUID();
      expect(await put(p.body.id, { add_tags: [missing] })).toMatchObject({
        status: 404,
        body: { detail: ['KeyError', `'Unable to get tag with ID ${missing}: No tag with this ID found.'`] },
      });
    });

    it('remove_tags removes by name or id and skips unknown or unattached tags; add happens before remove', async () => {
      const p = await create({ name: unique(), project: 'acme', tags: ['a1', 'a2', 'a3'] });
      const a2 = await get(server, '/api/v1/tags/a2', admin.token);
      const res = await put(p.body.id, {
        add_tags: ['a4'],
        remove_tags: ['a1', a2.id, 'never-existed', 'fresh-tag', randomUUID(), 'a4'],
      });
      expect(res.status).toBe(200);
      expect(tagNames(res.body)).toEqual(['a3']);
      expect((await call(server, '/api/v1/tags/never-existed', { auth: admin.token })).status).toBe(404);
    });

    it('description is always set: leaving it out clears it (ZenML’s quirk)', async () => {
      const p = await create({ name: unique(), project: 'acme', description: 'first' });
      expect((await put(p.body.id, { description: 'second' })).body.metadata).toEqual({ description: 'second' });
      expect((await put(p.body.id, { add_tags: ['x1'] })).body.metadata).toEqual({ description: null });
    });

    it('an exclusive tag is 400 and changes nothing', async () => {
      await call(server, '/api/v1/tags', {
        method: 'POST',
        auth: admin.token,
        json: { name: 'excl', exclusive: true },
      });
      const p = await create({ name: unique(), project: 'acme', description: 'kept' });
      expect(await put(p.body.id, { description: 'changed', add_tags: ['ok-tag', 'excl'] })).toMatchObject({
        status: 400,
        body: { detail: ['ValueError', 'Can not attach exclusive tag to resource of type pipeline: excl.'] },
      });
      const now = await get(server, `/api/v1/pipelines/${p.body.id}`, admin.token);
      expect({ description: now.metadata.description, tags: tagNames(now) }).toEqual({ description: 'kept', tags: [] });
    });

    it('members may not change pipelines they only see (403), nor ones they cannot see (404)', async () => {
      const shared = await create({ name: unique(), project: 'acme' });
      await server.core.pipelines.share(admin.actor, shared.body.id, { userIds: [member.id], toOrg: false });
      expect(await put(shared.body.id, { description: 'x' }, member.token)).toMatchObject({
        status: 403,
        body: { detail: ['IllegalOperationError', expect.any(String)] },
      });
      const hidden = await create({ name: unique(), project: 'acme' });
      expect((await put(hidden.body.id, { description: 'x' }, member.token)).status).toBe(404);
    });

    it('bad bodies are FastAPI’s bare 422', async () => {
      const p = await create({ name: unique(), project: 'acme' });
      const res = await put(p.body.id, { add_tags: 'not-a-list' });
      expect(res.status).toBe(422);
      expect(res.body[1]).toContain("'loc': ('body', 'add_tags')");
      expect((await put('nope', {})).body[1]).toContain("'loc': ('path', 'pipeline_id')");
    });
  });

  describe('DELETE /api/v1/pipelines/{id}', () => {
    it('answers 200 with a null body; the pipeline is gone', async () => {
      const p = await create({ name: unique(), project: 'acme' });
      const res = await server.fetch(`/api/v1/pipelines/${p.body.id}`, { method: 'DELETE', auth: admin.token });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('null');
      expect((await call(server, `/api/v1/pipelines/${p.body.id}`, { auth: admin.token })).status).toBe(404);
      expect(
        (await call(server, `/api/v1/pipelines/${p.body.id}`, { method: 'DELETE', auth: admin.token })).status,
      ).toBe(404);
    });

    it('members may not delete others’ pipelines', async () => {
      const p = await create({ name: unique(), project: 'acme' });
      await server.core.pipelines.share(admin.actor, p.body.id, { userIds: [], toOrg: true });
      expect(
        (await call(server, `/api/v1/pipelines/${p.body.id}`, { method: 'DELETE', auth: member.token })).status,
      ).toBe(403);
      expect((await call(server, `/api/v1/pipelines/nope`, { method: 'DELETE', auth: member.token })).status).toBe(422);
    });
  });
});
