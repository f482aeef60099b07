import { FLOW_PERMISSIONS } from '@pipewright/core';
import { startTestServer, type TestServer, type TestUser } from '../support/test-server.js';
import { pipelineOwnedBy } from './flow-support.js';

interface FlowPipeline {
  name: string;
  id: string;
  permissions: string[];
  is_manager: boolean;
}

// GET /api/v1/flow/pipeline: every pipeline the caller may see, with the caller's own permissions.
describe('flow pipelines list', () => {
  let server: TestServer;
  let owner: TestUser;
  let sharedUser: TestUser;
  let orgReader: TestUser;
  let outsider: TestUser;
  let shared: Awaited<ReturnType<typeof pipelineOwnedBy>>;
  let privateOne: Awaited<ReturnType<typeof pipelineOwnedBy>>;

  beforeAll(async () => {
    server = await startTestServer();
    owner = await server.user();
    sharedUser = await server.user();
    orgReader = await server.user();
    outsider = (await server.organization('flow-outside')).admin;
    shared = await pipelineOwnedBy(server, owner.actor);
    privateOne = await pipelineOwnedBy(server, owner.actor);
    await server.core.pipelines.share(owner.actor, shared.id, { userIds: [sharedUser.id], toOrg: true });
  });
  afterAll(() => server.close());

  async function list(auth: string, path = '/api/v1/flow/pipeline'): Promise<FlowPipeline[]> {
    const res = await server.fetch(path, { auth });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; pipelines: FlowPipeline[] };
    expect(body.status).toBe('OK');
    return body.pipelines;
  }
  const entry = (pipelines: FlowPipeline[], id: string) => pipelines.find((p) => p.id === id);
  const ALL = [...FLOW_PERMISSIONS];

  it('owner: all five permissions and manager, on shared and private pipelines', async () => {
    const pipelines = await list(owner.apiKey);
    expect(entry(pipelines, shared.id)).toEqual({
      name: shared.name,
      id: shared.id,
      permissions: ALL,
      is_manager: true,
    });
    expect(entry(pipelines, privateOne.id)).toEqual({
      name: privateOne.name,
      id: privateOne.id,
      permissions: ALL,
      is_manager: true,
    });
  });

  it('org admin: all five permissions and manager on every pipeline of the org', async () => {
    const pipelines = await list(server.admin.apiKey);
    expect(entry(pipelines, shared.id)).toMatchObject({ permissions: ALL, is_manager: true });
    expect(entry(pipelines, privateOne.id)).toMatchObject({ permissions: ALL, is_manager: true });
  });

  it('shared user: read and execute, not manager; private pipelines absent', async () => {
    const pipelines = await list(sharedUser.apiKey);
    expect(entry(pipelines, shared.id)).toEqual({
      name: shared.name,
      id: shared.id,
      permissions: ['flow_pipeline:read', 'flow_pipeline:execute'],
      is_manager: false,
    });
    expect(entry(pipelines, privateOne.id)).toBeUndefined();
  });

  it('org-shared member: read only', async () => {
    const pipelines = await list(orgReader.apiKey);
    expect(entry(pipelines, shared.id)).toMatchObject({ permissions: ['flow_pipeline:read'], is_manager: false });
    expect(entry(pipelines, privateOne.id)).toBeUndefined();
  });

  it('outsider (another organization): sees none of them', async () => {
    const pipelines = await list(outsider.apiKey);
    expect(entry(pipelines, shared.id)).toBeUndefined();
    expect(entry(pipelines, privateOne.id)).toBeUndefined();
  });

  it('accepts access tokens (the user’s first organization) and answers the same list at /api/v1/jobs/pipelines', async () => {
    const byToken = await list(owner.token);
    const byKey = await list(owner.apiKey);
    expect(byToken).toEqual(byKey);
    expect(await list(owner.apiKey, '/api/v1/jobs/pipelines')).toEqual(byKey);
  });

  it('lists a whole collection, past any page size, by name', async () => {
    const org = await server.organization('flow-many');
    const n = 1100;
    for (let i = 0; i < n; i++) await pipelineOwnedBy(server, org.admin.actor, `p-${String(i).padStart(4, '0')}`);
    const pipelines = await list(org.admin.apiKey);
    expect(pipelines).toHaveLength(n);
    expect(pipelines.map((p) => p.name)).toEqual(
      Array.from({ length: n }, (_, i) => `p-${String(i).padStart(4, '0')}`),
    );
  }, 60_000);

  it('401 with status ERROR when authentication fails', async () => {
    const missing = await server.fetch('/api/v1/flow/pipeline');
    expect([missing.status, await missing.json()]).toEqual([
      401,
      { status: 'ERROR', msg: 'Authentication credentials were not provided.' },
    ]);
    for (const auth of ['garbage.token.value', `api_${'x'.repeat(43)}`]) {
      const res = await server.fetch('/api/v1/flow/pipeline', { auth });
      expect([res.status, await res.json()]).toEqual([
        401,
        { status: 'ERROR', msg: 'Invalid or expired credentials.' },
      ]);
    }
    // Pipeline keys serve Unstract's public route only.
    const byPipelineKey = await server.fetch('/api/v1/flow/pipeline', { auth: privateOne.pipelineKey });
    expect([byPipelineKey.status, await byPipelineKey.json()]).toEqual([
      401,
      { status: 'ERROR', msg: 'Invalid or expired credentials.' },
    ]);
    const malformed = await server.fetch('/api/v1/flow/pipeline', { headers: { authorization: 'Token abc' } });
    expect([malformed.status, await malformed.json()]).toEqual([
      401,
      { status: 'ERROR', msg: 'Invalid or expired credentials.' },
    ]);
  });

  it('answers unknown Flow paths with 404 and status ERROR', async () => {
    const res = await server.fetch('/api/v1/jobs/nothing', { auth: owner.apiKey });
    expect([res.status, await res.json()]).toEqual([404, { status: 'ERROR', msg: 'Not found' }]);
  });
});
