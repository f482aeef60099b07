import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ResolvedConnection } from '@pipewright/core';
import {
  createDefaultRegistry,
  EgressPolicy,
  EngineConnectionKinds,
  INLINE_CREDENTIAL_KEYS,
  InProcessExecutor,
  type Resolver,
} from '@pipewright/engine';
import { TEST_DATABASE_URL } from './support/pg.js';

const offline: Resolver = async (host) => {
  if (host === 'db.example.com') return [{ address: '93.184.216.34', family: 4 }];
  if (host === 'inside.example.com') return [{ address: '10.0.0.9', family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
};

const resolved = (kind: string, settings: Record<string, unknown>): ResolvedConnection => ({
  id: 'c1',
  orgId: 'o1',
  name: 'c',
  kind,
  settings,
});
const org = { id: 'o1', slug: 'acme' };

describe('connection kinds in the registry', () => {
  it('lists the built-in kinds with their schemas and secret fields; connectors declare theirs', () => {
    const registry = createDefaultRegistry();
    expect(registry.connectionKinds().map((k) => [k.name, k.secretFields])).toEqual([
      ['postgres', ['password']],
      ['webhook', ['headers', 'token']],
      ['filesystem', []],
    ]);
    expect(registry.connectionKind('postgres')!.settingsSchema).toMatchObject({
      required: ['host', 'database', 'user'],
    });
    expect(registry.sources().map((s) => [s.name, s.connection ?? null])).toEqual([
      ['inline', null],
      ['upload', null],
      ['filesystem', { kind: 'filesystem', required: false }],
      ['postgres', { kind: 'postgres', required: true }],
    ]);
    expect(registry.destinations().find((d) => d.name === 'webhook')).toMatchObject({
      connection: { kind: 'webhook', required: true },
    });
    expect(Object.keys((registry.destination('webhook')!.settingsSchema as { properties: object }).properties)).toEqual(
      ['maxAttempts', 'backoffMs', 'timeoutMs'],
    );
    expect((registry.source('postgres')!.settingsSchema as { properties: object }).properties).not.toHaveProperty(
      'connectionString',
    );
  });

  it('lets an embedder add a kind (and replace a built-in one)', () => {
    const registry = createDefaultRegistry().registerConnectionKind({
      name: 'sftp',
      description: 'SFTP',
      settingsSchema: { type: 'object' },
      secretFields: ['key'],
    });
    expect(registry.connectionKind('sftp')?.secretFields).toEqual(['key']);
    expect(() =>
      registry.registerConnectionKind({ name: 'bad name', description: '', settingsSchema: {}, secretFields: [] }),
    ).toThrow('Invalid connection kind name');
  });
});

describe('EngineConnectionKinds', () => {
  const kinds = new EngineConnectionKinds(createDefaultRegistry(), {
    egress: EgressPolicy.fromConfig({ multiOrganization: true }, { resolver: offline }),
  });

  it('parses a postgres connection string into its fields, with defaults', async () => {
    expect(
      await kinds.normalize('postgres', {
        connectionString: 'postgres://app:s%40cret@db.example.com:6543/sales?sslmode=verify-full',
      }),
    ).toEqual({
      settings: {
        host: 'db.example.com',
        port: 6543,
        database: 'sales',
        user: 'app',
        password: 's@cret',
        ssl: 'verify-full',
      },
    });
    expect(await kinds.normalize('postgres', { host: 'db.example.com', database: 'sales', user: 'app' })).toEqual({
      settings: { host: 'db.example.com', port: 5432, database: 'sales', user: 'app', ssl: 'disable' },
    });
    expect(
      await kinds.normalize('postgres', { connectionString: 'postgresql://app@db.example.com/sales?sslmode=require' }),
    ).toMatchObject({ settings: { ssl: 'require' } });
    // null is "not set": a secret sent as null is removed, a setting falls back to its default.
    expect(
      await kinds.normalize('postgres', {
        host: 'db.example.com',
        database: 'sales',
        user: 'app',
        password: null,
        port: null,
      }),
    ).toEqual({
      settings: { host: 'db.example.com', port: 5432, database: 'sales', user: 'app', ssl: 'disable' },
    });
  });

  it('reports field issues as the definition validator does', async () => {
    expect(await kinds.normalize('postgres', { host: 'db.example.com', port: 0, extra: 1 })).toEqual({
      issues: expect.arrayContaining([
        { field: 'database', message: 'This field is required.', code: 'invalid' },
        { field: 'user', message: 'This field is required.', code: 'invalid' },
        { field: 'port', message: 'Must be >= 1.', code: 'invalid' },
        { field: 'extra', message: 'Unknown setting.', code: 'invalid' },
      ]),
    });
    expect(await kinds.normalize('postgres', { connectionString: 'mysql://x@h/db' })).toEqual({
      issues: [
        {
          field: 'connectionString',
          message: 'Must be a postgres://user:password@host:port/database URL.',
          code: 'invalid',
        },
      ],
    });
    expect(await kinds.normalize('webhook', { url: 'ftp://x.example' })).toMatchObject({ issues: [{ field: 'url' }] });
    expect(await kinds.normalize('webhook', { url: 'https://u:p@db.example.com/hook' })).toMatchObject({
      issues: [{ field: 'url', message: expect.stringContaining('credentials') }],
    });
    expect(await kinds.normalize('webhook', { url: 'https://db.example.com/hook', headers: { a: 1 } })).toMatchObject({
      issues: [{ field: 'headers.a' }],
    });
    expect(await kinds.normalize('filesystem', { path: '../other-org' })).toMatchObject({
      issues: [{ field: 'path' }],
    });
    expect(await kinds.normalize('filesystem', { path: '/etc' })).toMatchObject({ issues: [{ field: 'path' }] });
    expect(await kinds.normalize('ftp', {})).toEqual({
      issues: [
        {
          field: 'kind',
          message: 'Unknown connection kind "ftp"; use one of postgres, webhook, filesystem.',
          code: 'invalid_choice',
        },
      ],
    });
  });

  it('refuses a target the egress policy refuses (an issue on host / url); a name that does not resolve is no issue', async () => {
    expect(await kinds.normalize('postgres', { host: 'inside.example.com', database: 'd', user: 'u' })).toEqual({
      issues: [
        {
          field: 'host',
          message:
            'Egress refused: inside.example.com resolves to 10.0.0.9, a private address, refused on a multi-organization server unless allowed (PIPEWRIGHT_EGRESS_ALLOW).',
          code: 'invalid',
        },
      ],
    });
    expect(await kinds.normalize('webhook', { url: 'http://169.254.169.254/latest' })).toMatchObject({
      issues: [{ field: 'url', message: expect.stringContaining('link-local') }],
    });
    expect(await kinds.normalize('postgres', { host: 'not-yet.example.com', database: 'd', user: 'u' })).toMatchObject({
      settings: { host: 'not-yet.example.com' },
    });
    // A unix socket is this host: refused unless loopback is allowed.
    expect(
      await kinds.normalize('postgres', { connectionString: 'postgres://u@/d?host=/var/run/postgresql' }),
    ).toMatchObject({ issues: [{ field: 'host', message: expect.stringContaining('unix socket') }] });
    const loopback = new EngineConnectionKinds(createDefaultRegistry(), {
      egress: EgressPolicy.fromConfig({ multiOrganization: true, allow: 'loopback' }),
    });
    expect(
      await loopback.normalize('postgres', { connectionString: 'postgres://u@/d?host=/var/run/postgresql' }),
    ).toMatchObject({ settings: { host: '/var/run/postgresql' } });
  });

  it('knows which connector needs which kind, and splits inline credentials off old workflows', () => {
    expect(kinds.kindFor('source', 'postgres')).toEqual({ kind: 'postgres', required: true });
    expect(kinds.kindFor('destination', 'webhook')).toEqual({ kind: 'webhook', required: true });
    expect(kinds.kindFor('destination', 'filesystem')).toEqual({ kind: 'filesystem', required: false });
    expect(kinds.kindFor('source', 'inline')).toBeNull();
    expect(kinds.kindFor('source', 'nope')).toBeNull();
    expect(kinds.secretFields('webhook')).toEqual(['headers', 'token']);
    expect(kinds.secretFields('nope')).toEqual([]);

    expect(
      kinds.inlineCredentials('source', 'postgres', {
        connectionString: 'postgres://u:p@h/d',
        table: 't',
        batchSize: 5,
      }),
    ).toEqual({
      kind: 'postgres',
      connection: { connectionString: 'postgres://u:p@h/d' },
      remaining: { table: 't', batchSize: 5 },
    });
    expect(
      kinds.inlineCredentials('destination', 'postgres', { host: 'h', user: 'u', password: 'p', table: 't' }),
    ).toEqual({
      kind: 'postgres',
      connection: { host: 'h', user: 'u', password: 'p' },
      remaining: { table: 't' },
    });
    expect(
      kinds.inlineCredentials('destination', 'webhook', { url: 'https://x', headers: { a: 'b' }, maxAttempts: 2 }),
    ).toEqual({
      kind: 'webhook',
      connection: { url: 'https://x', headers: { a: 'b' } },
      remaining: { maxAttempts: 2 },
    });
    expect(kinds.inlineCredentials('destination', 'postgres', { table: 't' })).toBeNull();
    expect(kinds.inlineCredentials('source', 'inline', { url: 'x' })).toBeNull();
    expect(INLINE_CREDENTIAL_KEYS).toEqual(expect.arrayContaining(['connectionString', 'url', 'headers', 'password']));
  });

  it('is what InProcessExecutor exposes, over its registry, egress policy and file root', () => {
    const executor = new InProcessExecutor({ egress: EgressPolicy.fromConfig({ multiOrganization: true }) });
    expect(executor.connectionKinds).toBeInstanceOf(EngineConnectionKinds);
    expect(executor.connectionKinds.egress).toBe(executor.egress);
  });
});

describe('testing a connection', () => {
  let server: Server;
  let url: string;
  let base: string;
  const received: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      received.push(`${req.method} ${req.url}`);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    base = await mkdtemp(path.join(tmpdir(), 'pipewright-kinds-'));
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await rm(base, { recursive: true, force: true });
  });

  it('reaches a webhook without sending it anything', async () => {
    const kinds = new EngineConnectionKinds(createDefaultRegistry());
    const result = await kinds.test(resolved('webhook', { url, token: 'tok' }), org);
    expect(result).toEqual({
      ok: true,
      message: expect.stringMatching(/^Reached 127\.0\.0\.1:\d+ \(127\.0\.0\.1\)\.$/),
    });
    expect(received).toEqual([]);
    const closed = await kinds.test(resolved('webhook', { url: 'http://127.0.0.1:1/' }), org);
    expect(closed).toEqual({ ok: false, error: expect.stringContaining('ECONNREFUSED') });
    const refused = await new EngineConnectionKinds(createDefaultRegistry(), {
      egress: EgressPolicy.fromConfig({ multiOrganization: true }),
    }).test(resolved('webhook', { url }), org);
    expect(refused).toEqual({
      ok: false,
      error: expect.stringMatching(/^egress refused: 127\.0\.0\.1, a loopback address/),
    });
  });

  it("checks a filesystem connection's folder inside the organization's folder", async () => {
    const kinds = new EngineConnectionKinds(createDefaultRegistry(), { fileRoot: base });
    await mkdir(path.join(base, 'acme', 'in'), { recursive: true });
    await mkdir(path.join(base, 'other', 'secret'), { recursive: true });
    await symlink(path.join(base, 'other'), path.join(base, 'acme', 'escape'));
    expect(await kinds.test(resolved('filesystem', { path: 'in' }), org)).toEqual({
      ok: true,
      message: 'Folder "in" exists.',
    });
    expect(await kinds.test(resolved('filesystem', { path: 'missing' }), org)).toMatchObject({ ok: false });
    expect(await kinds.test(resolved('filesystem', { path: 'escape/secret' }), org)).toEqual({
      ok: false,
      error: expect.stringContaining('outside the file root'),
    });
    expect(await kinds.test(resolved('filesystem', { path: '../other' }), org)).toMatchObject({ ok: false });
    expect(
      await new EngineConnectionKinds(createDefaultRegistry()).test(resolved('filesystem', { path: 'in' }), org),
    ).toMatchObject({ ok: false, error: expect.stringContaining('no file root') });
  });

  (TEST_DATABASE_URL ? it : it.skip)(
    'connects to postgres and runs select 1; a wrong password fails without showing it',
    async () => {
      const kinds = new EngineConnectionKinds(createDefaultRegistry());
      const settings = (await kinds.normalize('postgres', { connectionString: TEST_DATABASE_URL! })) as {
        settings: Record<string, unknown>;
      };
      expect(await kinds.test(resolved('postgres', settings.settings), org)).toEqual({
        ok: true,
        message: expect.stringMatching(/^Connected to /),
      });
      const bad = await kinds.test(
        resolved('postgres', { ...settings.settings, port: 1, password: 'hunter2-secret' }),
        org,
      );
      expect(bad).toEqual({ ok: false, error: expect.stringContaining('ECONNREFUSED') });
      expect(JSON.stringify(bad)).not.toContain('hunter2-secret');
    },
  );

  it('gives up after 5 s', async () => {
    const registry = createDefaultRegistry().registerConnectionKind({
      name: 'slow',
      description: 'never answers',
      settingsSchema: { type: 'object' },
      secretFields: [],
      test: () => new Promise(() => {}),
    });
    const started = Date.now();
    expect(await new EngineConnectionKinds(registry).test(resolved('slow', {}), org)).toEqual({
      ok: false,
      error: 'no answer within 5 s',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_900);
  }, 10_000);
});
