import { randomUUID } from 'node:crypto';
import { User } from '@pipewright/core';
import { startTestServer, type TestServer } from './support/test-server.js';

describe('native admin API: schedule fires and workers', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  }, 60_000);
  afterAll(() => s.close());

  const inline = {
    source: { connector: 'inline', settings: { records: [] } },
    destination: { connector: 'none', settings: {} },
  };

  it("lists a pipeline's schedule fires (none without a scheduler) with its next fire; others' pipelines are not found", async () => {
    const owner = await s.user();
    const wf = await s.core.workflows.create(owner.actor, { name: 'fires-wf', definition: inline });
    const { pipeline } = await s.core.pipelines.create(owner.actor, {
      name: 'fires',
      workflowId: wf.id,
      schedule: { cron: '0 3 * * *' },
    });
    const res = await s.fetch(`/admin/api/v1/pipelines/${pipeline.id}/schedule-fires?page=1&size=10`, {
      auth: owner.apiKey,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      pipeline_id: string;
      next_fire: string | null;
      total: number;
      items: unknown[];
    };
    expect(body).toMatchObject({ pipeline_id: pipeline.id, total: 0, items: [] });
    expect(typeof body.next_fire).toBe('string');
    expect(
      (await s.fetch(`/admin/api/v1/pipelines/${pipeline.id}/schedule-fires?size=0`, { auth: owner.apiKey })).status,
    ).toBe(400);
    const tenant = await s.organization('fires-tenant');
    expect(
      (await s.fetch(`/admin/api/v1/pipelines/${pipeline.id}/schedule-fires`, { auth: tenant.admin.apiKey })).status,
    ).toBe(404);
  });

  it('answers a user who belongs to no organization with a 4xx problem, not a 500', async () => {
    const now = new Date();
    const loner = User.create({
      id: randomUUID(),
      seq: await s.built.storage.users.nextSeq(),
      email: `loner-${Date.now()}@example.com`,
      passwordHash: null,
      now,
    });
    await s.built.storage.users.insert(loner);
    const { accessToken } = await s.core.auth.issueToken(loner.id);
    const res = await s.fetch(`/admin/api/v1/pipelines/${randomUUID()}/schedule-fires`, { auth: accessToken });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const workers = await s.fetch('/admin/api/v1/workers', { auth: accessToken });
    expect(workers.status).toBe(403);
  });

  it('shows the workers to a server admin only (none: runs execute in process here)', async () => {
    const res = await s.fetch('/admin/api/v1/workers', { auth: s.admin.apiKey });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ executor: 'in-process', items: [] });
    const tenant = await s.organization('workers-tenant');
    expect((await s.fetch('/admin/api/v1/workers', { auth: tenant.admin.token })).status).toBe(403);
    const member = await s.user();
    expect((await s.fetch('/admin/api/v1/workers', { auth: member.token })).status).toBe(403);
  });
});
