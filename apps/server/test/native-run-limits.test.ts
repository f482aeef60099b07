import { startTestServer, type TestServer } from './support/test-server.js';

describe('native admin API: run limits (organization concurrency, pipeline run time)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  }, 60_000);
  afterAll(() => s.close());

  const limit = (slug: string, auth: string, body: unknown) =>
    s.fetch(`/admin/api/v1/organizations/${slug}/run-limit`, { method: 'PUT', auth, json: body });

  it("lets a server admin set a tenant's limit; the tenant's admin reads it but cannot change it", async () => {
    const tenant = await s.organization('tenant-limits');
    const set = await limit(tenant.slug, s.admin.apiKey, { maxConcurrentRuns: 3 });
    expect(set.status).toBe(200);
    expect(((await set.json()) as { max_concurrent_runs: number }).max_concurrent_runs).toBe(3);
    const mine = (await (await s.fetch('/admin/api/v1/organizations', { auth: tenant.admin.token })).json()) as {
      items: { slug: string; max_concurrent_runs: number | null }[];
    };
    expect(mine.items.find((o) => o.slug === tenant.slug)!.max_concurrent_runs).toBe(3);
    const refused = await limit(tenant.slug, tenant.admin.token, { maxConcurrentRuns: 50 });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    const bad = await limit(tenant.slug, s.admin.apiKey, { maxConcurrentRuns: 0 });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { field: string }[] }).errors.map((e) => e.field)).toContain(
      'maxConcurrentRuns',
    );
    expect((await limit(tenant.slug, s.admin.apiKey, {})).status).toBe(400);
    const cleared = await limit(tenant.slug, s.admin.apiKey, { maxConcurrentRuns: null });
    expect(((await cleared.json()) as { max_concurrent_runs: number | null }).max_concurrent_runs).toBeNull();
    expect((await limit('no-such-org', s.admin.apiKey, { maxConcurrentRuns: 2 })).status).toBe(404);
  });

  it("sets, shows and clears a pipeline's run time limit", async () => {
    const owner = await s.user();
    const wf = await s.core.workflows.create(owner.actor, {
      name: 'timed',
      definition: {
        source: { connector: 'inline', settings: { records: [] } },
        destination: { connector: 'none', settings: {} },
      },
    });
    const created = await s.fetch('/admin/api/v1/pipelines', {
      method: 'POST',
      auth: owner.apiKey,
      json: { name: 'timed', workflowId: wf.id, runTimeoutSeconds: 90 },
    });
    expect(created.status).toBe(201);
    const body = (await created.json()) as { id: string; run_timeout_seconds: number | null };
    expect(body.run_timeout_seconds).toBe(90);
    const patch = (json: unknown) =>
      s.fetch(`/admin/api/v1/pipelines/${body.id}`, { method: 'PATCH', auth: owner.apiKey, json });
    expect(
      ((await (await patch({ runTimeoutSeconds: 30 })).json()) as { run_timeout_seconds: number }).run_timeout_seconds,
    ).toBe(30);
    expect(
      ((await (await patch({ name: 'still-timed' })).json()) as { run_timeout_seconds: number }).run_timeout_seconds,
    ).toBe(30);
    expect((await patch({ runTimeoutSeconds: 0 })).status).toBe(400);
    expect(
      ((await (await patch({ runTimeoutSeconds: null })).json()) as { run_timeout_seconds: number | null })
        .run_timeout_seconds,
    ).toBeNull();
  });
});
