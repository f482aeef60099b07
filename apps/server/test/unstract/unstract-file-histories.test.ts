import { createHash } from 'node:crypto';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { api, call, cast, createWorkflow, type Cast } from './unstract-support.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('unstract file histories', () => {
  let server: TestServer;
  let who: Cast;
  let base: string;
  beforeAll(async () => {
    server = await startTestServer();
    who = await cast(server);
    base = api(server.org.slug);
  });
  afterAll(async () => {
    await server.close();
  });

  /** A workflow (max 3 executions per file) with five files: paths, statuses and execution counts. */
  async function seeded(name: string) {
    const wf = await createWorkflow(server, who.owner, name, { max_file_execution_count: 3 });
    await call(server, 'POST', `${base}/workflow/${wf.id}/share/`, {
      as: who.owner,
      json: { shared_users: [who.shared.id] },
    });
    const record = async (path: string, times: number, status: 'COMPLETED' | 'ERROR') => {
      let h;
      for (let i = 0; i < times; i++)
        h = await server.core.fileHistories.record(
          wf.id,
          { cacheKey: sha(path), filePath: path },
          { status, error: status === 'ERROR' ? 'bad row' : null },
        );
      await new Promise((done) => setTimeout(done, 3));
      return h!.id;
    };
    const ids = {
      a: await record('/in/2024/a.csv', 1, 'COMPLETED'),
      b: await record('/in/2024/b.csv', 2, 'ERROR'),
      c: await record('/in/2025/c.csv', 3, 'ERROR'),
      d: await record('/archive/d.csv', 1, 'COMPLETED'),
      e: await record('/in/2025/e.csv', 4, 'COMPLETED'),
    };
    return { wf, ids, path: `${base}/workflow/${wf.id}/file-histories` };
  }

  it('lists a workflow’s file histories newest first, with Unstract’s row shape', async () => {
    const { wf, ids, path } = await seeded('fh-list');
    const r = await call(server, 'GET', `${path}/`, { as: who.shared });
    expect(r.status).toBe(200);
    expect(r.body.count).toBe(5);
    expect(r.body.results.map((h: { id: string }) => h.id)).toEqual([ids.e, ids.d, ids.c, ids.b, ids.a]);
    expect(r.body.results[0]).toEqual({
      id: ids.e,
      workflow: wf.id,
      cache_key: sha('/in/2025/e.csv'),
      provider_file_uuid: null,
      status: 'COMPLETED',
      execution_count: 4,
      error: null,
      result: null,
      metadata: null,
      file_path: '/in/2025/e.csv',
      max_execution_count: 3,
      has_exceeded_limit: true,
      created_at: expect.any(String),
      modified_at: expect.any(String),
    });
    const page = await call(server, 'GET', `${path}/?page_size=2&page=2`, { as: who.owner });
    expect(page.body.results.map((h: { id: string }) => h.id)).toEqual([ids.c, ids.b]);
    expect(page.body.previous).toBe(`${server.baseUrl}${path}/?page_size=2`);
    expect(page.body.next).toBe(`${server.baseUrl}${path}/?page=3&page_size=2`);
  });

  it('filters by status list, execution count range and path prefix', async () => {
    const { ids, path } = await seeded('fh-filters');
    const found = async (q: string) =>
      ((await call(server, 'GET', `${path}/?${q}`, { as: who.owner })).body.results as { id: string }[])
        .map((h) => h.id)
        .sort();
    expect(await found('status=ERROR')).toEqual([ids.b, ids.c].sort());
    expect(await found('status=ERROR, COMPLETED')).toHaveLength(5);
    expect(await found('execution_count_min=2')).toEqual([ids.b, ids.c, ids.e].sort());
    expect(await found('execution_count_max=1')).toEqual([ids.a, ids.d].sort());
    expect(await found('execution_count_min=2&execution_count_max=3')).toEqual([ids.b, ids.c].sort());
    expect(await found('file_path=/in/2025/')).toEqual([ids.c, ids.e].sort());
    expect(await found('file_path=/in/&status=COMPLETED')).toEqual([ids.a, ids.e].sort());
    const bad = await call(server, 'GET', `${path}/?execution_count_min=many`, { as: who.owner });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      { code: 'invalid', detail: 'A valid integer is required.', attr: 'execution_count_min' },
    ]);
  });

  it('reads and deletes one file history', async () => {
    const { ids, path } = await seeded('fh-one');
    const got = await call(server, 'GET', `${path}/${ids.b}/`, { as: who.shared });
    expect(got.body).toMatchObject({
      id: ids.b,
      status: 'ERROR',
      execution_count: 2,
      error: 'bad row',
      has_exceeded_limit: false,
    });
    expect((await call(server, 'DELETE', `${path}/${ids.b}/`, { as: who.shared })).status).toBe(403);
    const del = await call(server, 'DELETE', `${path}/${ids.b}/`, { as: who.owner });
    expect(del.status).toBe(204);
    const gone = await call(server, 'GET', `${path}/${ids.b}/`, { as: who.owner });
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({
      type: 'client_error',
      errors: [{ code: 'not_found', detail: 'File history not found.', attr: null }],
    });
    expect((await call(server, 'DELETE', `${path}/${ids.b}/`, { as: who.owner })).status).toBe(404);
  });

  it('POST clear/ needs at least one criterion (Unstract’s exact 400 body)', async () => {
    const { path } = await seeded('fh-clear-none');
    for (const json of [undefined, {}, { status: [] }, { status: '' }]) {
      const r = await call(server, 'POST', `${path}/clear/`, { as: who.owner, json });
      expect(r.status).toBe(400);
      expect(r.body).toEqual({
        error:
          'At least one filter (ids, status, execution_count_min, execution_count_max, or file_path) must be provided',
      });
    }
    expect((await call(server, 'GET', `${path}/`, { as: who.owner })).body.count).toBe(5);
  });

  it('POST clear/ deletes what matches every criterion and says how many', async () => {
    const { ids, path } = await seeded('fh-clear');
    const byStatus = await call(server, 'POST', `${path}/clear/`, {
      as: who.owner,
      json: { status: ['ERROR'], execution_count_min: 3 },
    });
    expect(byStatus.body).toEqual({ deleted_count: 1, message: '1 file history records deleted' });
    const byPath = await call(server, 'POST', `${path}/clear/`, {
      as: who.owner,
      json: { file_path: '/in/2024/', status: 'COMPLETED,ERROR' },
    });
    expect(byPath.body.deleted_count).toBe(2);
    const byIds = await call(server, 'POST', `${path}/clear/`, { as: who.owner, json: { ids: [ids.d, ids.a] } });
    expect(byIds.body.deleted_count).toBe(1);
    const left = await call(server, 'GET', `${path}/`, { as: who.owner });
    expect(left.body.results.map((h: { id: string }) => h.id)).toEqual([ids.e]);
    const tooMany = await call(server, 'POST', `${path}/clear/`, {
      as: who.owner,
      json: { ids: Array.from({ length: 101 }, () => ids.e) },
    });
    expect(tooMany.body.errors[0]).toMatchObject({ attr: 'ids', code: 'max_length' });
  });

  it('permissions: shared user reads but may not clear; outsider 404; another org 403', async () => {
    const { ids, path } = await seeded('fh-perm');
    expect((await call(server, 'POST', `${path}/clear/`, { as: who.shared, json: { status: ['ERROR'] } })).status).toBe(
      403,
    );
    for (const [method, p] of [
      ['GET', `${path}/`],
      ['GET', `${path}/${ids.a}/`],
      ['DELETE', `${path}/${ids.a}/`],
      ['POST', `${path}/clear/`],
    ] as const) {
      const r = await call(server, method, p, {
        as: who.outsider,
        json: method === 'POST' ? { status: ['ERROR'] } : undefined,
      });
      expect([method, p, r.status, r.body.errors?.[0]?.detail]).toEqual([method, p, 404, 'Workflow not found.']);
      expect((await call(server, method, p, { as: who.foreign })).body).toEqual({
        message: 'Organization access denied',
      });
    }
  });
});
