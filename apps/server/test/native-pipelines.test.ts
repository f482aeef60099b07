import { startTestServer, type TestServer, type TestUser } from './support/test-server.js';

describe('native admin API: pipelines with their retry policy, runs with their attempt', () => {
  let s: TestServer;
  let owner: TestUser;
  let workflowId: string;
  beforeAll(async () => {
    s = await startTestServer();
    owner = await s.user();
    // Port 1: the connection is refused at once, a retryable failure. The admin creates the
    // connection; the member's workflow names it.
    await s.connection({
      name: 'refused-db',
      kind: 'postgres',
      settings: { connectionString: 'postgres://nobody@127.0.0.1:1/none' },
    });
    const wf = await s.core.workflows.create(owner.actor, {
      name: 'refused',
      definition: {
        source: { connector: 'postgres', connection: 'refused-db', settings: { table: 'rows' } },
        destination: { connector: 'none', settings: {} },
      },
    });
    workflowId = wf.id;
  }, 60_000);
  afterAll(() => s.close());

  const problem = async (res: Response) => ({
    status: res.status,
    type: res.headers.get('content-type'),
    body: (await res.json()) as { code: string; errors?: { field: string }[] },
  });

  it('creates a pipeline with a retry policy, shows it, and changes it field by field', async () => {
    const created = await s.fetch('/admin/api/v1/pipelines', {
      method: 'POST',
      auth: owner.apiKey,
      json: { name: 'nightly', workflowId, retry: { maxAttempts: 3, backoffSeconds: 5 } },
    });
    expect(created.status).toBe(201);
    const body = (await created.json()) as { id: string; key: string; retry: unknown; owner_id: string };
    expect(body.retry).toEqual({
      max_attempts: 3,
      backoff_seconds: 5,
      backoff_multiplier: 2,
      max_backoff_seconds: 600,
    });
    expect(body.owner_id).toBe(owner.id);
    expect(body.key).toMatch(/./);

    const patched = await s.fetch(`/admin/api/v1/pipelines/${body.id}`, {
      method: 'PATCH',
      auth: owner.token,
      json: { retry: { backoffMultiplier: 1.5, maxBackoffSeconds: 60 } },
    });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as { retry: unknown }).retry).toEqual({
      max_attempts: 3,
      backoff_seconds: 5,
      backoff_multiplier: 1.5,
      max_backoff_seconds: 60,
    });

    const got = await s.fetch(`/admin/api/v1/pipelines/${body.id}`, { auth: owner.apiKey });
    expect(((await got.json()) as { retry: { max_attempts: number } }).retry.max_attempts).toBe(3);
    // Pipelines made elsewhere default to one attempt.
    const { pipeline } = await s.core.pipelines.create(owner.actor, { name: 'plain', workflowId });
    expect(
      (
        (await (await s.fetch(`/admin/api/v1/pipelines/${pipeline.id}`, { auth: owner.apiKey })).json()) as {
          retry: { max_attempts: number };
        }
      ).retry.max_attempts,
    ).toBe(1);
  });

  it('answers bad retry values with a validation problem naming the field, and changes nothing', async () => {
    const cases: [unknown, string][] = [
      [{ maxAttempts: 0 }, 'retry.maxAttempts'],
      [{ maxAttempts: 11 }, 'retry.maxAttempts'],
      [{ maxAttempts: 2.5 }, 'retry.maxAttempts'],
      [{ backoffSeconds: -1 }, 'retry.backoffSeconds'],
      [{ backoffMultiplier: 0.5 }, 'retry.backoffMultiplier'],
      [{ backoffSeconds: 60, maxBackoffSeconds: 30 }, 'retry.maxBackoffSeconds'],
      ['three', 'retry'],
    ];
    for (const [retry, field] of cases) {
      const res = await problem(
        await s.fetch('/admin/api/v1/pipelines', {
          method: 'POST',
          auth: owner.apiKey,
          json: { name: `bad-${field}`, workflowId, retry },
        }),
      );
      expect(res).toMatchObject({
        status: 400,
        type: expect.stringContaining('application/problem+json'),
        body: { code: 'VALIDATION' },
      });
      expect(res.body.errors!.map((e) => e.field)).toContain(field);
    }
    const { pipeline } = await s.core.pipelines.create(owner.actor, {
      name: 'kept',
      workflowId,
      retry: { maxAttempts: 2 },
    });
    const res = await problem(
      await s.fetch(`/admin/api/v1/pipelines/${pipeline.id}`, {
        method: 'PATCH',
        auth: owner.apiKey,
        json: { name: 'renamed', retry: { maxAttempts: 99 } },
      }),
    );
    expect(res.status).toBe(400);
    expect((await s.core.pipelines.get(owner.actor, pipeline.id)).name).toBe('kept');
  });

  it('lets only owners change the policy', async () => {
    const { pipeline } = await s.core.pipelines.create(owner.actor, { name: 'mine', workflowId });
    const friend = await s.user();
    await s.core.pipelines.share(owner.actor, pipeline.id, { userIds: [friend.id], toOrg: false });
    expect((await s.fetch(`/admin/api/v1/pipelines/${pipeline.id}`, { auth: friend.apiKey })).status).toBe(200);
    expect(
      (
        await s.fetch(`/admin/api/v1/pipelines/${pipeline.id}`, {
          method: 'PATCH',
          auth: friend.apiKey,
          json: { retry: { maxAttempts: 5 } },
        })
      ).status,
    ).toBe(403);
    const stranger = await s.user();
    expect(
      (
        await s.fetch(`/admin/api/v1/pipelines/${pipeline.id}`, {
          method: 'PATCH',
          auth: stranger.apiKey,
          json: { retry: { maxAttempts: 5 } },
        })
      ).status,
    ).toBe(404);
  });

  it("shows a run's attempt: a refused source retried once, then ERROR with the last message", async () => {
    const { pipeline } = await s.core.pipelines.create(owner.actor, {
      name: 'retried',
      workflowId,
      retry: { maxAttempts: 2, backoffSeconds: 0 },
    });
    const run = await s.core.runs.trigger(owner.actor, pipeline.id);
    await s.built.executor.settled(run.id);
    const res = await s.fetch(`/admin/api/v1/runs/${run.id}`, { auth: owner.apiKey });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; attempt: number; error: string };
    expect(body).toMatchObject({ status: 'ERROR', attempt: 2 });
    expect(body.error).toMatch(/^source "postgres" failed: .*ECONNREFUSED/);
    expect(
      (await s.fetch('/admin/api/v1/runs/00000000-0000-4000-8000-000000000000', { auth: owner.apiKey })).status,
    ).toBe(404);
  });
});
