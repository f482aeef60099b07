import { startTestServer, type TestServer } from '../support/test-server.js';
import { call, get, names, seedWorld, type World } from './zenml-support.js';

// Sorting, paging and hydration of GET /api/v1/pipelines (the world of seedWorld).
describe('zenml: pipeline list — sort_by, pages, hydrate', () => {
  let server: TestServer;
  let w: World;

  beforeAll(async () => {
    server = await startTestServer();
    w = await seedWorld(server, 'zl');
  });
  afterAll(async () => {
    await server.close();
  });

  const list = (qs: string) => names(server, `/api/v1/pipelines?${qs}`, w.admin.token);
  const page = (qs: string) => get(server, `/api/v1/pipelines?${qs}`, w.admin.token);
  const raw = (qs: string) => call(server, `/api/v1/pipelines?${qs}`, { auth: w.admin.token });

  describe('sort_by', () => {
    it.each([
      ['default: created ascending', '', ['alpha-etl', 'beta-etl', 'gamma-report', 'delta_50%']],
      ['created', 'sort_by=created', ['alpha-etl', 'beta-etl', 'gamma-report', 'delta_50%']],
      ['asc:created', 'sort_by=asc:created', ['alpha-etl', 'beta-etl', 'gamma-report', 'delta_50%']],
      ['desc:created', 'sort_by=desc:created', ['delta_50%', 'gamma-report', 'beta-etl', 'alpha-etl']],
      ['name', 'sort_by=name', ['alpha-etl', 'beta-etl', 'delta_50%', 'gamma-report']],
      ['desc:name', 'sort_by=desc:name', ['gamma-report', 'delta_50%', 'beta-etl', 'alpha-etl']],
      ['updated', 'sort_by=updated', ['alpha-etl', 'gamma-report', 'beta-etl', 'delta_50%']],
      ['desc:updated', 'sort_by=desc:updated', ['delta_50%', 'beta-etl', 'gamma-report', 'alpha-etl']],
      [
        'latest_run: newest run, else creation',
        'sort_by=latest_run',
        ['gamma-report', 'beta-etl', 'alpha-etl', 'delta_50%'],
      ],
      [
        'desc:latest_run (the dashboard’s order)',
        'sort_by=desc:latest_run',
        ['delta_50%', 'alpha-etl', 'beta-etl', 'gamma-report'],
      ],
      [
        'tags: by first tag name, untagged last',
        'sort_by=tags',
        ['beta-etl', 'alpha-etl', 'delta_50%', 'gamma-report'],
      ],
      [
        'an unknown prefix sorts ascending',
        'sort_by=sideways:name',
        ['alpha-etl', 'beta-etl', 'delta_50%', 'gamma-report'],
      ],
      ['with filters', 'sort_by=desc:name&tags=prod', ['delta_50%', 'alpha-etl']],
    ])('%s', async (_label, qs, expected) => {
      expect(await list(qs)).toEqual(expected);
    });

    it('user sorts by the owner’s name, then id', async () => {
      const owners = (await page('sort_by=user')).items.map(
        (i: { resources: { user: { body: { full_name: string } } } }) => i.resources.user.body.full_name,
      );
      expect(owners).toEqual(['alice', 'alice', 'bob', 'bob']);
      const desc = (await page('sort_by=desc:user')).items.map(
        (i: { resources: { user: { body: { full_name: string } } } }) => i.resources.user.body.full_name,
      );
      expect(desc).toEqual(['bob', 'bob', 'alice', 'alice']);
    });

    it('id sorts by id', async () => {
      const ids = (await page('sort_by=id')).items.map((i: { id: string }) => i.id);
      expect(ids).toEqual([...ids].sort());
      expect((await page('sort_by=desc:id')).items.map((i: { id: string }) => i.id)).toEqual([...ids].reverse());
    });

    it.each([
      [
        'an unknown column',
        'sort_by=colour',
        'sort_by\n  Value error, You can only sort by valid fields of this resource',
      ],
      ['an unknown column with a prefix', 'sort_by=desc:colour', 'You can only sort by valid fields of this resource'],
      [
        'a filter that is not a column',
        'sort_by=desc:project',
        "sort_by\n  Value error, This resource can not be sorted by this field: 'desc:project'",
      ],
      [
        'latest_run_status',
        'sort_by=asc:latest_run_status',
        "can not be sorted by this field: 'asc:latest_run_status'",
      ],
      ['a paging parameter (unknown prefix dropped)', 'sort_by=up:page', "can not be sorted by this field: 'page'"],
    ])('%s is 422 in the filter model’s shape', async (_label, qs, message) => {
      const res = await raw(qs);
      expect(res.status).toBe(422);
      expect(res.body).toEqual({ detail: ['ValueError', expect.stringContaining(message)] });
      expect(res.body.detail[1]).toMatch(/^1 validation error for PipelineFilter\n/);
    });
  });

  describe('pages', () => {
    it('defaults: page 1 of size 20', async () => {
      expect(await page('')).toMatchObject({ index: 1, max_size: 20, total_pages: 1, total: 4 });
    });

    it('splits results into pages with the same order throughout', async () => {
      expect(await page('size=3')).toMatchObject({ index: 1, max_size: 3, total_pages: 2, total: 4 });
      expect(await list('size=3')).toEqual(['alpha-etl', 'beta-etl', 'gamma-report']);
      expect(await page('size=3&page=2')).toMatchObject({
        index: 2,
        max_size: 3,
        total_pages: 2,
        total: 4,
        items: [expect.objectContaining({ name: 'delta_50%' })],
      });
      const one = await Promise.all([1, 2, 3, 4].map((p) => list(`size=1&page=${p}&sort_by=user`)));
      expect(one.flat().sort()).toEqual(['alpha-etl', 'beta-etl', 'delta_50%', 'gamma-report']);
      expect(await page('size=4')).toMatchObject({ total_pages: 1 });
      expect(await page(`size=10000`)).toMatchObject({ max_size: 10000, total_pages: 1 });
    });

    it('an empty result is one empty page', async () => {
      expect(await page('name=nothing')).toEqual({ index: 1, max_size: 20, total_pages: 1, total: 0, items: [] });
    });

    it('a page past the end is 400 with ZenML’s message', async () => {
      expect(await raw('size=3&page=3')).toMatchObject({
        status: 400,
        body: {
          detail: [
            'ValueError',
            'Invalid page 3. The requested page size is 3 and there are a total of 4 items for this query. The maximum page value therefore is 2.',
          ],
        },
      });
      expect(await raw('name=nothing&page=2')).toMatchObject({
        status: 400,
        body: {
          detail: [
            'ValueError',
            'Invalid page 2. The requested page size is 20 and there are a total of 0 items for this query. The maximum page value therefore is 1.',
          ],
        },
      });
    });

    it.each([
      ['page=0', 'page\n  Input should be greater than or equal to 1'],
      ['page=-2', 'page\n  Input should be greater than or equal to 1'],
      ['size=0', 'size\n  Input should be greater than or equal to 1'],
      ['size=10001', 'size\n  Input should be less than or equal to 10000'],
    ])('%s is 422 in the filter model’s shape', async (qs, message) => {
      const res = await raw(qs);
      expect(res).toMatchObject({
        status: 422,
        body: { detail: ['ValueError', `1 validation error for PipelineFilter\n${message}`] },
      });
    });

    it.each([
      ['page', 'abc'],
      ['size', '1.5'],
    ])('a non-integer %s is FastAPI’s bare 422', async (name, value) => {
      const res = await raw(`${name}=${value}`);
      expect(res.status).toBe(422);
      expect(res.body).toEqual([
        'ValueError',
        `[{'type': 'int_parsing', 'loc': ('query', '${name}'), 'msg': 'Input should be a valid integer, unable to parse string as an integer', 'input': '${value}'}]`,
      ]);
    });
  });

  describe('hydrate', () => {
    const byName = async (qs: string, name: string) =>
      (await page(qs)).items.find((i: { name: string }) => i.name === name);

    it('lists are not hydrated by default: metadata is null, body and resources are there', async () => {
      const alpha = await byName('', 'alpha-etl');
      expect(alpha).toMatchObject({
        id: w.p.alpha.id,
        name: 'alpha-etl',
        permission_denied: false,
        body: {
          created: '2024-01-10T09:00:00.000Z',
          updated: '2024-01-10T09:00:00.000Z',
          user_id: w.alice.id,
          project_id: w.orgId,
        },
        metadata: null,
      });
      expect(alpha.resources).toMatchObject({
        user: {
          id: w.alice.id,
          name: w.alice.email,
          body: { full_name: 'alice', is_admin: false },
          metadata: null,
          resources: null,
        },
        latest_run_user: { id: w.bob.id, name: w.bob.email },
        latest_run_id: expect.any(String),
        latest_run_status: 'failed',
        visualizations: [],
      });
      expect(alpha.resources.tags.map((t: { name: string }) => t.name).sort()).toEqual(['etl', 'prod']);
      expect(alpha.resources.tags[0]).toMatchObject({
        permission_denied: false,
        body: { exclusive: false, color: expect.any(String) },
        metadata: null,
        resources: null,
      });
    });

    it('hydrate=true adds metadata; booleans read as FastAPI does', async () => {
      for (const v of ['true', '1', 'yes', 'on'])
        expect((await byName(`hydrate=${v}`, 'beta-etl')).metadata).toEqual({ description: null });
      for (const v of ['false', '0', 'no', 'off'])
        expect((await byName(`hydrate=${v}`, 'beta-etl')).metadata).toBeNull();
      const res = await raw('hydrate=maybe');
      expect(res.status).toBe(422);
      expect(res.body[1]).toContain("'type': 'bool_parsing', 'loc': ('query', 'hydrate')");
    });

    it('pipelines without a run have null latest-run resources', async () => {
      expect((await byName('', 'gamma-report')).resources).toMatchObject({
        latest_run_id: null,
        latest_run_status: null,
        latest_run_user: null,
        tags: [],
      });
    });

    it('GET one pipeline is hydrated by default', async () => {
      const one = await get(server, `/api/v1/pipelines/${w.p.delta.id}`, w.admin.token);
      expect(one).toMatchObject({
        name: 'delta_50%',
        metadata: { description: null },
        resources: { latest_run_status: 'initializing', latest_run_user: { id: w.alice.id } },
      });
      expect((await get(server, `/api/v1/pipelines/${w.p.delta.id}?hydrate=false`, w.admin.token)).metadata).toBeNull();
    });
  });
});
