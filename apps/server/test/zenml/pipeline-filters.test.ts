import { startTestServer, type TestServer } from '../support/test-server.js';
import { call, names, seedWorld, type World } from './zenml-support.js';

// Every operator of ZenML's grammar on every field type of GET /api/v1/pipelines, against
// the four-pipeline world of seedWorld (expected names are in default order: created asc).
describe('zenml: pipeline filters', () => {
  let server: TestServer;
  let w: World;
  const ALL = ['alpha-etl', 'beta-etl', 'gamma-report', 'delta_50%'];

  beforeAll(async () => {
    server = await startTestServer();
    w = await seedWorld(server, 'zf');
  });
  afterAll(async () => {
    await server.close();
  });

  /** Names listed by the project admin for a query string (appended to project=zf). */
  const list = (qs: string) => names(server, `/api/v1/pipelines?project=zf&${qs}`, w.admin.token);
  const q = (params: Record<string, string | string[]>) =>
    Object.entries(params)
      .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${k}=${encodeURIComponent(x)}`))
      .join('&');

  it('without filters lists the whole project, oldest first', async () => {
    expect(await list('')).toEqual(ALL);
  });

  describe('str field (name)', () => {
    it.each([
      ['bare value = equals', 'alpha-etl', ['alpha-etl']],
      ['equals', 'equals:beta-etl', ['beta-etl']],
      ['notequals', 'notequals:beta-etl', ['alpha-etl', 'gamma-report', 'delta_50%']],
      ['contains', 'contains:etl', ['alpha-etl', 'beta-etl']],
      ['contains is case-insensitive', 'contains:ETL', ['alpha-etl', 'beta-etl']],
      ['contains matches % literally', 'contains:50%', ['delta_50%']],
      ['contains matches _ literally', 'contains:_', ['delta_50%']],
      ['notcontains', 'notcontains:etl', ['gamma-report', 'delta_50%']],
      ['startswith', 'startswith:g', ['gamma-report']],
      ['endswith', 'endswith:-etl', ['alpha-etl', 'beta-etl']],
      ['oneof', 'oneof:["alpha-etl","gamma-report"]', ['alpha-etl', 'gamma-report']],
      ['notoneof', 'notoneof:["alpha-etl","gamma-report"]', ['beta-etl', 'delta_50%']],
      ['oneof an empty list', 'oneof:[]', []],
      ['notoneof an empty list', 'notoneof:[]', ALL],
      ['isempty', 'isempty:', []],
      ['isnotempty', 'isnotempty:', ALL],
      ['an unknown prefix is part of the value', 'foo:bar', []],
    ])('%s: name=%s', async (_label, value, expected) => {
      expect(await list(q({ name: value }))).toEqual(expected);
    });
  });

  describe('uuid field (id)', () => {
    it('equals (any case), notequals, startswith, contains, endswith', async () => {
      const { alpha, beta, gamma } = w.p;
      expect(await list(q({ id: alpha.id }))).toEqual(['alpha-etl']);
      expect(await list(q({ id: `equals:${alpha.id.toUpperCase()}` }))).toEqual(['alpha-etl']);
      expect(await list(q({ id: `notequals:${alpha.id}` }))).toEqual(['beta-etl', 'gamma-report', 'delta_50%']);
      expect(await list(q({ id: `startswith:${beta.id.slice(0, 13)}` }))).toEqual(['beta-etl']);
      expect(await list(q({ id: `contains:${gamma.id.slice(9, 23)}` }))).toEqual(['gamma-report']);
      expect(await list(q({ id: `endswith:${gamma.id.slice(-12)}` }))).toEqual(['gamma-report']);
    });

    it('oneof, notoneof, isempty, isnotempty', async () => {
      const { alpha, delta } = w.p;
      expect(await list(q({ id: `oneof:${JSON.stringify([alpha.id, delta.id])}` }))).toEqual([
        'alpha-etl',
        'delta_50%',
      ]);
      expect(await list(q({ id: `notoneof:${JSON.stringify([alpha.id, delta.id])}` }))).toEqual([
        'beta-etl',
        'gamma-report',
      ]);
      expect(await list(q({ id: 'isempty:' }))).toEqual([]);
      expect(await list(q({ id: 'isnotempty:' }))).toEqual(ALL);
    });

    it('a value that is not a UUID: equals matches nothing, notequals everything', async () => {
      expect(await list(q({ id: 'not-a-uuid' }))).toEqual([]);
      expect(await list(q({ id: 'notequals:not-a-uuid' }))).toEqual(ALL);
    });
  });

  describe('datetime fields (created, updated)', () => {
    it.each([
      ['bare %Y-%m-%d %H:%M:%S', 'created', '2024-02-10 09:00:00', ['beta-etl']],
      ['bare ISO (UTC)', 'created', '2024-02-10T09:00:00Z', ['beta-etl']],
      ['bare ISO with an offset', 'created', '2024-02-10T10:00:00+01:00', ['beta-etl']],
      ['bare ISO without zone is UTC', 'created', '2024-02-10T09:00:00', ['beta-etl']],
      ['equals', 'created', 'equals:2024-02-10 09:00:00', ['beta-etl']],
      ['notequals', 'created', 'notequals:2024-02-10 09:00:00', ['alpha-etl', 'gamma-report', 'delta_50%']],
      ['gt', 'created', 'gt:2024-02-10 09:00:00', ['gamma-report', 'delta_50%']],
      ['gte', 'created', 'gte:2024-02-10 09:00:00', ['beta-etl', 'gamma-report', 'delta_50%']],
      ['lt', 'created', 'lt:2024-02-10 09:00:00', ['alpha-etl']],
      ['lte', 'created', 'lte:2024-02-10 09:00:00', ['alpha-etl', 'beta-etl']],
      ['in (inclusive)', 'created', 'in:2024-02-10 09:00:00,2024-03-10 09:00:00', ['beta-etl', 'gamma-report']],
      ['isempty', 'created', 'isempty:', []],
      ['isnotempty', 'created', 'isnotempty:', ALL],
      ['updated gte', 'updated', 'gte:2024-03-15 00:00:00', ['beta-etl', 'delta_50%']],
      ['updated lt', 'updated', 'lt:2024-03-15 00:00:00', ['alpha-etl', 'gamma-report']],
    ])('%s: %s=%s', async (_label, field, value, expected) => {
      expect(await list(q({ [field]: value }))).toEqual(expected);
    });
  });

  describe('tags', () => {
    it.each([
      ['bare value', 'prod', ['alpha-etl', 'delta_50%']],
      ['equals', 'equals:dev', ['beta-etl']],
      ['notequals: some other tag', 'notequals:prod', ['alpha-etl', 'beta-etl']],
      ['contains', 'contains:E', ['alpha-etl', 'beta-etl']],
      ['notcontains: some tag without it', 'notcontains:e', ['alpha-etl', 'delta_50%']],
      ['startswith', 'startswith:pr', ['alpha-etl', 'delta_50%']],
      ['endswith', 'endswith:tl', ['alpha-etl']],
      ['oneof', 'oneof:["dev","etl"]', ['alpha-etl', 'beta-etl']],
      ['notoneof', 'notoneof:["prod"]', ['alpha-etl', 'beta-etl']],
      ['isempty: no tags', 'isempty:', ['gamma-report']],
      ['isnotempty: some tag', 'isnotempty:', ['alpha-etl', 'beta-etl', 'delta_50%']],
    ])('%s: tags=%s', async (_label, value, expected) => {
      expect(await list(q({ tags: value }))).toEqual(expected);
    });

    it('each repeated condition may be met by a different tag', async () => {
      expect(await list(q({ tags: ['prod', 'etl'] }))).toEqual(['alpha-etl']);
      expect(await list(q({ tags: ['prod', 'dev'] }))).toEqual([]);
      expect(await list(q({ tags: ['prod', 'dev'], logical_operator: 'or' }))).toEqual([
        'alpha-etl',
        'beta-etl',
        'delta_50%',
      ]);
    });

    it('the deprecated singular `tag` works the same', async () => {
      expect(await list(q({ tag: 'dev' }))).toEqual(['beta-etl']);
    });
  });

  describe('user (the owner: id, name or email)', () => {
    it('by name, email or id, with operators', async () => {
      expect(await list(q({ user: 'alice' }))).toEqual(['alpha-etl', 'gamma-report']);
      expect(await list(q({ user: w.bob.email }))).toEqual(['beta-etl', 'delta_50%']);
      expect(await list(q({ user: w.bob.id }))).toEqual(['beta-etl', 'delta_50%']);
      expect(await list(q({ user: 'contains:lic' }))).toEqual(['alpha-etl', 'gamma-report']);
      expect(await list(q({ user: 'startswith:bo' }))).toEqual(['beta-etl', 'delta_50%']);
      expect(await list(q({ user: 'oneof:["alice","nobody"]' }))).toEqual(['alpha-etl', 'gamma-report']);
    });

    it('scope_user is a hard owner filter, ANDed even with logical_operator=or', async () => {
      expect(await list(q({ scope_user: w.alice.id }))).toEqual(['alpha-etl', 'gamma-report']);
      expect(await list(q({ name: 'beta-etl', logical_operator: 'or' }))).toEqual(['beta-etl']);
      expect(
        await list(q({ scope_user: w.alice.id, name: ['beta-etl', 'gamma-report'], logical_operator: 'or' })),
      ).toEqual(['gamma-report']);
    });
  });

  describe('latest run (always ANDed; pipelines without a run never match)', () => {
    it.each([
      ['failed', ['alpha-etl']],
      ['equals:initializing', ['delta_50%']],
      ['completed', []],
      ['stopped', ['beta-etl']],
      ['queued', []],
      ['notequals:failed', ['beta-etl', 'delta_50%']],
      ['contains:ed', ['alpha-etl', 'beta-etl']],
      ['startswith:init', ['delta_50%']],
      ['oneof:["failed","initializing"]', ['alpha-etl', 'delta_50%']],
      ['notoneof:["failed"]', ['beta-etl', 'delta_50%']],
      ['isnotempty:', ['alpha-etl', 'beta-etl', 'delta_50%']],
      ['isempty:', []],
    ])('latest_run_status=%s', async (value, expected) => {
      expect(await list(q({ latest_run_status: value }))).toEqual(expected);
    });

    it('latest_run_status stays ANDed under logical_operator=or', async () => {
      expect(
        await list(q({ name: ['alpha-etl', 'gamma-report'], logical_operator: 'or', latest_run_status: 'failed' })),
      ).toEqual(['alpha-etl']);
      expect(
        await list(q({ name: ['beta-etl', 'gamma-report'], logical_operator: 'or', latest_run_status: 'failed' })),
      ).toEqual([]);
    });

    it('latest_run_user by name, email or id', async () => {
      expect(await list(q({ latest_run_user: 'bob' }))).toEqual(['alpha-etl']);
      expect(await list(q({ latest_run_user: w.alice.id }))).toEqual(['beta-etl', 'delta_50%']);
      expect(await list(q({ latest_run_user: `contains:${w.slug}.test` }))).toEqual([
        'alpha-etl',
        'beta-etl',
        'delta_50%',
      ]);
      expect(await list(q({ latest_run_user: 'alice', logical_operator: 'or', name: 'alpha-etl' }))).toEqual([]);
    });
  });

  describe('logical_operator and repeated parameters', () => {
    it('and (default) needs every condition; or any of them', async () => {
      expect(await list(q({ name: ['contains:alpha', 'contains:etl'] }))).toEqual(['alpha-etl']);
      expect(await list(q({ name: ['contains:alpha', 'contains:etl'], logical_operator: 'and' }))).toEqual([
        'alpha-etl',
      ]);
      expect(await list(q({ name: ['contains:alpha', 'contains:etl'], logical_operator: 'or' }))).toEqual([
        'alpha-etl',
        'beta-etl',
      ]);
      expect(await list(q({ name: 'alpha-etl', tags: 'dev', logical_operator: 'or' }))).toEqual([
        'alpha-etl',
        'beta-etl',
      ]);
      expect(await list(q({ name: 'alpha-etl', tags: 'dev' }))).toEqual([]);
      expect(await list(q({ created: ['gte:2024-02-01 00:00:00', 'lt:2024-04-01 00:00:00'] }))).toEqual([
        'beta-etl',
        'gamma-report',
      ]);
    });

    it('an unknown logical_operator is FastAPI’s 422 (bare array)', async () => {
      const res = await call(server, `/api/v1/pipelines?${q({ logical_operator: 'xor' })}`, { auth: w.admin.token });
      expect(res.status).toBe(422);
      expect(res.body).toEqual(['ValueError', expect.stringContaining("'loc': ('query', 'logical_operator')")]);
    });
  });

  describe('project scope', () => {
    it('project, project_name_or_id (name or id) select the organization; default is the first one', async () => {
      expect(await names(server, `/api/v1/pipelines?project_name_or_id=zf`, w.admin.token)).toEqual(ALL);
      expect(await names(server, `/api/v1/pipelines?project=${w.orgId}`, w.admin.token)).toEqual(ALL);
      expect(await names(server, `/api/v1/pipelines?project=equals:zf`, w.admin.token)).toEqual(ALL);
      expect(await names(server, `/api/v1/pipelines`, w.admin.token)).toEqual(ALL);
      expect(await names(server, `/api/v1/pipelines?project=acme`, server.admin.token)).not.toContain('alpha-etl');
    });

    it('an unknown project is 404; a project you are not in is 403', async () => {
      const unknown = await call(server, '/api/v1/pipelines?project=nosuch', { auth: w.admin.token });
      expect(unknown).toMatchObject({
        status: 404,
        body: { detail: ['KeyError', "'Unable to get project with name nosuch: No project with this name found.'"] },
      });
      const foreign = await call(server, '/api/v1/pipelines?project=acme', { auth: w.admin.token });
      expect(foreign).toMatchObject({ status: 403, body: { detail: ['IllegalOperationError', expect.any(String)] } });
    });

    it('members see their own pipelines and those shared with them; owners’ filters stay pushed down', async () => {
      expect(await names(server, '/api/v1/pipelines', w.carol.token)).toEqual(['gamma-report']);
      expect(await names(server, '/api/v1/pipelines', w.alice.token)).toEqual(['alpha-etl', 'gamma-report']);
      expect(await names(server, `/api/v1/pipelines?${q({ tags: 'prod' })}`, w.bob.token)).toEqual(['delta_50%']);
    });
  });

  describe('invalid values are 422 {"detail": ["ValueError", …]}', () => {
    const detail = async (qs: string) => {
      const res = await call(server, `/api/v1/pipelines?project=zf&${qs}`, { auth: w.admin.token });
      expect(res.status).toBe(422);
      expect(res.body.detail[0]).toBe('ValueError');
      expect(res.body.detail[1]).toMatch(/^1 validation error for PipelineFilter\n/);
      return res.body.detail[1] as string;
    };

    it.each([
      [
        'gt on a string',
        q({ name: 'gt:1' }),
        "This datatype can not be filtered using this operation: 'gt'. The allowed operations are: ['equals', 'notequals', 'startswith', 'contains', 'endswith', 'oneof', 'notoneof', 'notcontains', 'isempty', 'isnotempty']",
      ],
      ['in on a string', q({ name: 'in:a,b' }), "can not be filtered using this operation: 'in'"],
      ['in on a uuid', q({ id: 'in:a,b' }), "can not be filtered using this operation: 'in'"],
      [
        'contains on a datetime',
        q({ created: 'contains:2024' }),
        "This datatype can not be filtered using this operation: 'contains'. The allowed operations are: ['equals', 'notequals', 'isempty', 'isnotempty', 'gt', 'gte', 'lt', 'lte', 'in']",
      ],
      [
        'oneof on a datetime',
        q({ created: 'oneof:["2024-01-01 00:00:00"]' }),
        "can not be filtered using this operation: 'oneof'",
      ],
      [
        'oneof without JSON',
        q({ name: 'oneof:a,b' }),
        "When you are using the 'oneof:'/'notoneof:' filtering make sure that the provided value is a json formatted list.",
      ],
      ['oneof with a JSON object', q({ name: 'notoneof:{"a":1}' }), 'json formatted list'],
      [
        'isempty with a value',
        q({ name: 'isempty:x' }),
        "When using 'isempty:'/'isnotempty:', use the explicit 'operator:' form without a value (e.g. 'isempty:').",
      ],
      [
        'a datetime in another format after an operator',
        q({ created: 'gte:2024-01-01T00:00:00' }),
        'The datetime filter only works with values in the following format: %Y-%m-%d %H:%M:%S',
      ],
      [
        'an impossible date',
        q({ created: '2024-02-30 00:00:00' }),
        'The datetime filter only works with values in the following format',
      ],
      [
        'in with one datetime',
        q({ created: 'in:2024-01-01 00:00:00' }),
        'Two comma separated datetime values are required for the `in` operator.',
      ],
      [
        'gt with two datetimes',
        q({ created: 'gt:2024-01-01 00:00:00,2024-02-01 00:00:00' }),
        'Only a single datetime value is allowed for operator gt.',
      ],
    ])('%s', async (_label, qs, message) => {
      expect(await detail(qs)).toContain(message);
    });

    it('scope_user must be a UUID (FastAPI’s bare 422)', async () => {
      const res = await call(server, `/api/v1/pipelines?scope_user=alice`, { auth: w.admin.token });
      expect(res.status).toBe(422);
      expect(res.body[0]).toBe('ValueError');
      expect(res.body[1]).toContain("'type': 'uuid_parsing', 'loc': ('query', 'scope_user')");
    });
  });
});
