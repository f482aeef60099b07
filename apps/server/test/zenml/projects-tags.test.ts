import { randomUUID } from 'node:crypto';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { call, get, seedWorld, type World } from './zenml-support.js';

describe('zenml: projects and tags', () => {
  let server: TestServer;
  let w: World;

  beforeAll(async () => {
    server = await startTestServer();
    w = await seedWorld(server, 'zp');
  });
  afterAll(async () => {
    await server.close();
  });

  describe('projects (organizations)', () => {
    it('lists the caller’s organizations as projects (name = slug)', async () => {
      await server.core.admin.addMember(w.admin.actor, { userId: server.admin.id, role: 'member' });
      const page = await get(server, '/api/v1/projects', server.admin.token);
      expect(page).toMatchObject({ index: 1, max_size: 20, total_pages: 1, total: 2 });
      expect(page.items.map((p: { name: string }) => p.name)).toEqual(['acme', 'zp']);
      expect(page.items[1]).toMatchObject({
        id: w.orgId,
        permission_denied: false,
        body: { display_name: 'zp', created: expect.any(String) },
        metadata: null,
        resources: {},
      });
      expect((await get(server, '/api/v1/projects?hydrate=true', server.admin.token)).items[0].metadata).toEqual({
        description: '',
      });
      expect(await get(server, '/api/v1/projects?size=1&page=2', server.admin.token)).toMatchObject({
        index: 2,
        total_pages: 2,
        items: [{ name: 'zp' }],
      });
      expect(await call(server, '/api/v1/projects?size=1&page=3', { auth: server.admin.token })).toMatchObject({
        status: 400,
        body: {
          detail: [
            'ValueError',
            'Invalid page 3. The requested page size is 1 and there are a total of 2 items for this query. The maximum page value therefore is 2.',
          ],
        },
      });
    });

    it('a personal key sees only its own organization', async () => {
      const page = await get(server, '/api/v1/projects', server.admin.apiKey);
      expect(page.items.map((p: { name: string }) => p.name)).toEqual(['acme']);
    });

    it('gets a project by name or id, hydrated; 404 for unknown projects and projects you are not in', async () => {
      expect(await get(server, '/api/v1/projects/zp', w.alice.token)).toMatchObject({
        id: w.orgId,
        name: 'zp',
        metadata: { description: '' },
      });
      expect((await get(server, `/api/v1/projects/${w.orgId}`, w.alice.token)).name).toBe('zp');
      expect(await call(server, '/api/v1/projects/nosuch', { auth: w.alice.token })).toMatchObject({
        status: 404,
        body: { detail: ['KeyError', expect.stringContaining('nosuch')] },
      });
      const outsider = await server.organization('zp-outside');
      expect((await call(server, '/api/v1/projects/zp', { auth: outsider.admin.token })).status).toBe(404);
    });

    it('statistics count the pipelines and runs the caller can see', async () => {
      expect(await get(server, '/api/v1/projects/zp/statistics', w.admin.token)).toEqual({ pipelines: 4, runs: 4 });
      expect(await get(server, `/api/v1/projects/${w.orgId}/statistics`, w.alice.token)).toEqual({
        pipelines: 2,
        runs: 2,
      });
      expect(await get(server, '/api/v1/projects/zp/statistics', w.carol.token)).toEqual({ pipelines: 1, runs: 0 });
      expect((await call(server, '/api/v1/projects/zp/statistics')).status).toBe(401);
    });
  });

  describe('tags', () => {
    const create = (json: unknown, token = w.admin.token) =>
      call(server, '/api/v1/tags', { method: 'POST', auth: token, json });
    const tagNames = async (qs: string) =>
      (await get(server, `/api/v1/tags?${qs}`, w.admin.token)).items.map((t: { name: string }) => t.name);

    it('POST creates a tag (200, hydrated); a taken name is 409', async () => {
      const res = await create({ name: 'gold', color: 'yellow', exclusive: true });
      expect(res).toMatchObject({
        status: 200,
        body: {
          name: 'gold',
          permission_denied: false,
          body: { color: 'yellow', exclusive: true, user_id: w.admin.id },
          metadata: { tagged_count: 0 },
          resources: { user: { id: w.admin.id } },
        },
      });
      const plain = await create({ name: 'silver' });
      expect(plain.body.body).toMatchObject({
        exclusive: false,
        color: expect.stringMatching(/^(grey|purple|red|green|yellow|orange|lime|teal|turquoise|magenta|blue)$/),
      });
      expect(await create({ name: 'gold' })).toMatchObject({
        status: 409,
        body: { detail: ['EntityExistsError', expect.stringContaining('gold')] },
      });
    });

    it('invalid tags are FastAPI’s bare 422', async () => {
      const uuid = await create({ name: randomUUID() });
      expect(uuid.status).toBe(422);
      expect(uuid.body[1]).toContain('Tag names cannot be UUIDs.');
      expect((await create({ name: 'c', color: 'chartreuse' })).body[1]).toContain("'loc': ('body', 'color')");
      expect((await create({ name: 'e', exclusive: 'yes' })).body[1]).toContain("'loc': ('body', 'exclusive')");
      expect((await create({})).body[1]).toContain("'loc': ('body', 'name')");
    });

    it('lists tags with filters on str, bool, datetime and uuid fields; tagged_count when hydrated', async () => {
      expect(await tagNames('sort_by=name')).toEqual(['dev', 'etl', 'gold', 'prod', 'silver']);
      expect(await tagNames('exclusive=true')).toEqual(['gold']);
      expect(await tagNames('exclusive=1')).toEqual(['gold']);
      expect(await tagNames('exclusive=false&sort_by=name')).toEqual(['dev', 'etl', 'prod', 'silver']);
      expect(await tagNames('exclusive=0&sort_by=name')).toEqual(['dev', 'etl', 'prod', 'silver']);
      expect(await tagNames('exclusive=notequals:true&sort_by=name')).toEqual(['dev', 'etl', 'prod', 'silver']);
      expect(await tagNames('exclusive=isnotempty:&sort_by=desc:name')).toEqual([
        'silver',
        'prod',
        'gold',
        'etl',
        'dev',
      ]);
      expect(await tagNames('exclusive=isempty:')).toEqual([]);
      // Other tags got random colors: yellow may be among them.
      expect(await tagNames('color=yellow')).toContain('gold');
      expect(await tagNames('color=notequals:yellow')).not.toContain('gold');
      expect(await tagNames('name=contains:e&logical_operator=or&name=gold&sort_by=name')).toEqual([
        'dev',
        'etl',
        'gold',
        'silver',
      ]);
      expect(await tagNames('created=gte:2024-01-01 00:00:00&sort_by=name')).toEqual([
        'dev',
        'etl',
        'gold',
        'prod',
        'silver',
      ]);
      const prod = await get(server, '/api/v1/tags/prod', w.admin.token);
      expect(await tagNames(`id=${prod.id}`)).toEqual(['prod']);
      expect(prod.metadata).toEqual({ tagged_count: 2 });
      const listed = await get(server, '/api/v1/tags?hydrate=true&name=prod', w.admin.token);
      expect(listed.items[0].metadata).toEqual({ tagged_count: 2 });
      expect((await get(server, '/api/v1/tags?name=prod', w.admin.token)).items[0].metadata).toBeNull();
    });

    it.each([
      ['exclusive=maybe', "Unable to parse boolean filter value 'maybe'."],
      [
        'exclusive=contains:t',
        "This datatype can not be filtered using this operation: 'contains'. The allowed operations are: ['equals', 'notequals', 'isempty', 'isnotempty']",
      ],
      ['exclusive=gt:0', "can not be filtered using this operation: 'gt'"],
      ['sort_by=color', 'You can only sort by valid fields of this resource'],
    ])('%s is 422 in the filter model’s shape', async (qs, message) => {
      const res = await call(server, `/api/v1/tags?${qs}`, { auth: w.admin.token });
      expect(res.status).toBe(422);
      expect(res.body.detail[1]).toMatch(/^1 validation error for TagFilter\n/);
      expect(res.body.detail[1]).toContain(message);
    });

    it('GET by name or id; unknown is 404', async () => {
      const gold = await get(server, '/api/v1/tags/gold', w.admin.token);
      expect((await get(server, `/api/v1/tags/${gold.id}`, w.admin.token)).name).toBe('gold');
      expect(await call(server, '/api/v1/tags/nothing', { auth: w.admin.token })).toMatchObject({
        status: 404,
        body: { detail: ['KeyError', expect.stringContaining('nothing')] },
      });
    });
  });
});
