import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Connection, type Actor } from '@pipewright/core';
import type { StorageHandle } from '@pipewright/server';
import { createTestStorage } from '@pipewright/storage-kysely/testing';
import { createMemoryStorage } from '@pipewright/storage-memory';
import { startTestServer, type TestServer, type TestUser } from '../support/test-server.js';
import { api, call, until } from '../unstract/unstract-support.js';

/**
 * THE ATTACK: a member of an organization points a workflow's postgres source at the
 * server's own (control) database, through a connection an admin of that organization made
 * with host localhost / 127.0.0.1 / ::1 and the control database's port and name. Saving the
 * connection is refused by the egress policy; a connection written straight into storage
 * makes the run end ERROR with the egress message, and nothing reaches the destination.
 *
 * The server runs "on Postgres" (config.databaseUrl set): with TEST_DATABASE_URL it is the
 * test's own fresh database (the one the server really uses); without it the in-memory
 * storage with a control URL the policy protects all the same.
 */

const FALLBACK_CONTROL = 'postgres://postgres@127.0.0.1:5432/pipewright_control_test';

interface Control {
  handle: StorageHandle;
  url: string;
}

async function controlStorage(): Promise<Control> {
  if (!process.env.TEST_DATABASE_URL)
    return {
      handle: { storage: createMemoryStorage(), migrate: async () => {}, close: async () => {} },
      url: FALLBACK_CONTROL,
    };
  const t = await createTestStorage({ backend: 'postgres' });
  return {
    handle: { storage: t.storage, db: t.db, driver: t.driver, migrate: t.migrate, close: t.cleanup },
    url: t.database.url!,
  };
}

/** A webhook listener that records every request it gets. */
class Listener {
  received: string[] = [];
  private server: Server | null = null;
  url = '';
  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        this.received.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }
  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}

describe('the control database is out of reach of organizations (egress policy)', () => {
  let server: TestServer;
  let control: URL;
  let orgB: { id: string; slug: string; admin: TestUser };
  let memberB: TestUser;
  const listener = new Listener();

  beforeAll(async () => {
    const { handle, url } = await controlStorage();
    control = new URL(url);
    // Loopback and private targets are allowed here (the test's own listener is on 127.0.0.1):
    // the control database stays refused all the same.
    server = await startTestServer({ storage: handle, config: { databaseUrl: url, egressAllow: 'loopback,private' } });
    const org = await server.organization(`attack-${Date.now() % 100000}`);
    orgB = { id: org.id, slug: org.slug, admin: org.admin };
    memberB = await server.user({ role: 'member', orgSlug: org.slug });
    await listener.start();
  });

  afterAll(async () => {
    await listener.stop();
    await server?.close();
  });

  const database = () => decodeURIComponent(control.pathname.slice(1));
  const port = () => Number(control.port || 5432);
  const user = () => decodeURIComponent(control.username || 'postgres');

  it.each(['localhost', '127.0.0.1', '::1'])(
    'refuses to save a connection to the control database at %s (400, Unstract and native)',
    async (host) => {
      const unstract = await call(server, 'POST', `${api(orgB.slug)}/connector/`, {
        as: orgB.admin,
        json: {
          connector_name: `control-${host}`,
          connector_id: 'postgres',
          connector_metadata: { host, port: port(), database: database(), user: user(), password: 'x' },
        },
      });
      expect(unstract.status).toBe(400);
      expect(unstract.body.type).toBe('validation_error');
      expect(JSON.stringify(unstract.body)).toMatch(/egress/i);
      expect(unstract.body.errors[0].attr).toMatch(/^connector_metadata/);

      const native = await call(server, 'POST', `/admin/api/v1/organizations/${orgB.slug}/connections`, {
        as: orgB.admin,
        json: {
          name: `control-native-${host}`,
          kind: 'postgres',
          settings: { host, port: port(), database: database(), user: user() },
        },
      });
      expect(native.status).toBe(400);
      expect(native.body.detail + JSON.stringify(native.body.errors ?? [])).toMatch(/egress/i);
    },
  );

  it('refuses the control database given as a connection string, and testing it', async () => {
    const url = `postgres://${user()}@localhost:${port()}/${database()}`;
    const created = await call(server, 'POST', `/admin/api/v1/organizations/${orgB.slug}/connections`, {
      as: orgB.admin,
      json: { name: 'control-url', kind: 'postgres', settings: { connectionString: url } },
    });
    expect(created.status).toBe(400);
    const tested = await call(server, 'POST', `/admin/api/v1/organizations/${orgB.slug}/connections/test`, {
      as: orgB.admin,
      json: { kind: 'postgres', settings: { connectionString: url } },
    });
    expect(tested.status).toBe(400);
  });

  it('a run through a connection written straight into storage ends ERROR with the egress message; nothing arrives', async () => {
    // What the policy refuses on save, planted behind its back.
    const planted = Connection.create({
      id: server.core.ids.uuid(),
      seq: await server.built.storage.connections.nextSeq(),
      orgId: orgB.id,
      name: 'planted-control',
      kind: 'postgres',
      settings: { host: '127.0.0.1', port: port(), database: database(), user: user(), ssl: 'disable' },
      by: orgB.admin.id,
      now: new Date(),
    });
    await server.built.storage.connections.insert(planted);
    const hook = await call(server, 'POST', `${api(orgB.slug)}/connector/`, {
      as: orgB.admin,
      json: { connector_name: 'listener', connector_id: 'webhook', connector_metadata: { url: listener.url } },
    });
    expect(hook.status).toBe(201);

    // The member names them in a workflow (members may) and runs it.
    const wf = await call(server, 'POST', `${api(orgB.slug)}/workflow/`, {
      as: memberB,
      json: {
        workflow_name: 'read-the-control-plane',
        source_settings: {
          connector: 'postgres',
          connection: 'planted-control',
          settings: { query: 'select id, email, password_hash from users' },
        },
        destination_settings: { connector: 'webhook', connection: 'listener', settings: {} },
      },
    });
    expect(wf.status).toBe(201);
    const run = await call(server, 'POST', `${api(orgB.slug)}/workflow/execute/`, {
      as: memberB,
      json: { workflow_id: wf.body.id },
    });
    expect(run.status).toBe(200);
    const actor: Actor = { kind: 'service', userId: orgB.admin.id, orgId: orgB.id, role: 'admin' };
    await until(async () => (await server.core.runs.get(actor, run.body.execution_id)).isTerminal, 20_000);
    const ended = await server.core.runs.get(actor, run.body.execution_id);
    expect(ended.status).toBe('ERROR');
    expect(ended.error).toMatch(/egress refused/i);
    expect(ended.error).toMatch(/control plane/i);
    expect(listener.received).toEqual([]);
  });
});

describe('multi-organization defaults: loopback and private targets are refused', () => {
  let server: TestServer;

  beforeAll(async () => {
    const { handle, url } = await controlStorage();
    // The operator's defaults on Postgres: no allow list.
    server = await startTestServer({ storage: handle, config: { databaseUrl: url, egressAllow: undefined } });
  });

  afterAll(async () => {
    await server?.close();
  });

  it.each([
    ['postgres', { host: '127.0.0.1', port: 6543, database: 'other', user: 'u' }],
    ['postgres', { host: '10.0.0.5', port: 5432, database: 'other', user: 'u' }],
    ['webhook', { url: 'http://192.168.1.10/hook' }],
    ['webhook', { url: 'http://[::1]:8080/hook' }],
    ['webhook', { url: 'http://169.254.169.254/latest/meta-data/' }],
  ])('refuses a %s connection to %j (400)', async (kind, settings) => {
    const r = await call(server, 'POST', `/admin/api/v1/organizations/${server.org.slug}/connections`, {
      json: { name: `t-${Math.random()}`, kind, settings },
    });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toMatch(/egress/i);
  });
});

// The control: with the operator's override the same path does reach the control database,
// so the refusals above are the policy's doing (and the override works). Needs a real database.
(process.env.TEST_DATABASE_URL ? describe : describe.skip)(
  'PIPEWRIGHT_EGRESS_ALLOW_CONTROL_DATABASE=on (operator override)',
  () => {
    let server: TestServer;
    let control: URL;
    const listener = new Listener();

    beforeAll(async () => {
      const { handle, url } = await controlStorage();
      control = new URL(url);
      server = await startTestServer({
        storage: handle,
        config: { databaseUrl: url, egressAllow: 'loopback,private', egressAllowControlDatabase: true },
      });
      await listener.start();
    });

    afterAll(async () => {
      await listener.stop();
      await server?.close();
    });

    it('lets an admin save a connection to the control database, and a run read it', async () => {
      const base = `/admin/api/v1/organizations/${server.org.slug}/connections`;
      const db = await call(server, 'POST', base, {
        json: {
          name: 'control',
          kind: 'postgres',
          settings: {
            host: 'localhost',
            port: Number(control.port || 5432),
            database: control.pathname.slice(1),
            user: decodeURIComponent(control.username || 'postgres'),
          },
        },
      });
      expect(db.status).toBe(201);
      const hook = await call(server, 'POST', base, {
        json: { name: 'listener', kind: 'webhook', settings: { url: listener.url } },
      });
      expect(hook.status).toBe(201);
      const wf = await call(server, 'POST', `${api(server.org.slug)}/workflow/`, {
        json: {
          workflow_name: 'operator-reads-control',
          source_settings: {
            connector: 'postgres',
            connection: 'control',
            settings: { query: 'select email from users' },
          },
          destination_settings: { connector: 'webhook', connection: 'listener', settings: {} },
        },
      });
      expect(wf.status).toBe(201);
      const run = await call(server, 'POST', `${api(server.org.slug)}/workflow/execute/`, {
        json: { workflow_id: wf.body.id },
      });
      const actor: Actor = { kind: 'service', userId: server.admin.id, orgId: server.org.id, role: 'admin' };
      await until(async () => (await server.core.runs.get(actor, run.body.execution_id)).isTerminal, 20_000);
      const ended = await server.core.runs.get(actor, run.body.execution_id);
      expect({ status: ended.status, error: ended.error }).toEqual({ status: 'COMPLETED', error: null });
      expect(listener.received.join('\n')).toContain(server.admin.email);
    });
  },
);
