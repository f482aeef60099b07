import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/test-server.js';
import { at, fixtureWorkflow, get, seedPipeline } from './zenml-support.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const run = promisify(execFile);

// examples/zenml-client.mjs speaks only ZenML's documented API; it runs here as a separate
// process against a test server, as a user would run it.
describe('zenml: the example client', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    const workflowId = await fixtureWorkflow(server, server.admin);
    const seed = (name: string, created: string, extra: { tags?: string[]; description?: string } = {}) =>
      seedPipeline(server, { owner: server.admin.actor, workflowId, name, createdAt: at(created), ...extra });
    await seed('demo-old', '2024-01-01T00:00:00Z', { tags: ['draft'] });
    await seed('demo-new', '2024-02-01T00:00:00Z', { tags: ['draft', 'ml'], description: 'the newest one' });
    await seed('other', '2024-03-01T00:00:00Z', { tags: ['draft'] });
  });
  afterAll(async () => {
    await server.close();
  });

  const env = (extra: Record<string, string> = {}) => ({
    PATH: process.env.PATH ?? '',
    ZENML_URL: server.baseUrl,
    ...extra,
  });

  it('logs in, lists with filters, gets, re-tags and deletes the newest matching pipeline', async () => {
    const { stdout, stderr } = await run(process.execPath, [join(root, 'examples/zenml-client.mjs')], {
      env: env({ ZENML_USERNAME: ADMIN_EMAIL, ZENML_PASSWORD: ADMIN_PASSWORD, ZENML_NAME_PREFIX: 'demo' }),
    });
    expect(stderr).toBe('');
    expect(stdout.trim().split('\n')).toEqual([
      `logged in as ${ADMIN_EMAIL} (token type bearer)`,
      'found 2 pipeline(s) starting with "demo": demo-new, demo-old',
      'newest: demo-new (created 2024-02-01T00:00:00.000Z) description="the newest one" tags=[draft, ml]',
      'tags now: [ml, reviewed]',
      'pipelines tagged reviewed: demo-new',
      'deleted demo-new (response null)',
    ]);
    const left = await get(server, '/api/v1/pipelines?sort_by=name', server.admin.token);
    expect(left.items.map((p: { name: string }) => p.name)).toEqual(['demo-old', 'other']);
  });

  it('exits non-zero with ZenML’s error detail on bad credentials', async () => {
    const failed = await run(process.execPath, [join(root, 'examples/zenml-client.mjs')], {
      env: env({ ZENML_USERNAME: ADMIN_EMAIL, ZENML_PASSWORD: 'wrong-password' }),
    }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr.trim()).toBe(
      'POST /api/v1/login answered 401, expected 200: AuthorizationException: Authentication error: invalid username or password',
    );
  });
});
