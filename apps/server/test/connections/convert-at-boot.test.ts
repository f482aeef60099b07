import { Workflow } from '@pipewright/core';
import { convertInlineCredentials, createLogger } from '@pipewright/server';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { api, call } from '../unstract/unstract-support.js';

/**
 * At start the server moves credentials written inline in workflows saved before connections
 * existed into connections of their organization (the one-time conversion), and logs how many.
 */

const PASSWORD = 'pw-Legacy-Inline-d4';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
});

it('converts legacy inline credentials into connections once, and the views never show the secret', async () => {
  // A workflow as an older version saved it: target and password inline in the source settings.
  const legacy = Workflow.create({
    id: server.core.ids.uuid(),
    orgId: server.org.id,
    name: 'legacy-inline',
    ownerId: server.admin.id,
    definition: {
      source: {
        connector: 'postgres',
        settings: { connectionString: `postgres://reader:${PASSWORD}@127.0.0.1:5432/warehouse`, table: 'users' },
      },
      destination: { connector: 'none', settings: {} },
    },
    now: new Date(),
  });
  await server.built.storage.workflows.insert(legacy);

  const lines: string[] = [];
  const logger = createLogger('info', {
    write: (line: string) => void lines.push(line),
  } as unknown as NodeJS.WritableStream);
  expect(await convertInlineCredentials(server.core, logger)).toBe(1);
  expect(lines.join('')).toContain('"connections":1');
  // Nothing is left to convert on the next start.
  expect(await convertInlineCredentials(server.core, logger)).toBe(0);

  const wf = await call(server, 'GET', `${api(server.org.slug)}/workflow/${legacy.id}/`);
  expect(wf.status).toBe(200);
  expect(wf.body.source_settings).toEqual({
    connector: 'postgres',
    connection: expect.any(String),
    settings: { table: 'users' },
  });
  const conn = await call(
    server,
    'GET',
    `/admin/api/v1/organizations/${server.org.slug}/connections/${wf.body.source_settings.connection}`,
  );
  expect(conn.status).toBe(200);
  expect(conn.body).toMatchObject({
    kind: 'postgres',
    has_password: true,
    settings: { host: '127.0.0.1', database: 'warehouse', password: '********' },
  });
  expect(JSON.stringify([wf.body, conn.body])).not.toContain(PASSWORD);
  expect((await server.core.connections.resolve(server.org.id, conn.body.id)).settings).toMatchObject({
    password: PASSWORD,
  });
});
