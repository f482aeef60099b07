import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor, Core, Role } from '@pipewright/core';
import { createApp, createLogger, type PipewrightApp, type ServerConfig, type StorageHandle } from '@pipewright/server';
import { createTestStorage } from '@pipewright/storage-kysely/testing';

export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'admin-password-1';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  role: Role;
  /** A personal API key (`api_…`) bound to the org. */
  apiKey: string;
  /** An access token (JWT) for the user. */
  token: string;
  actor: Actor;
}

/** A connection as the native API shows it (secrets masked). */
export interface ConnectionView {
  id: string;
  seq: number;
  name: string;
  kind: string;
  description: string | null;
  settings: Record<string, unknown>;
  secret_fields: string[];
  [field: string]: unknown;
}

export interface NewTestConnection {
  name: string;
  /** `postgres`, `webhook`, `filesystem` or a plug-in's kind. */
  kind: string;
  /** Settings and secrets together (e.g. `{connectionString}` or `{url, token}`). */
  settings: Record<string, unknown>;
  description?: string;
}

export interface TestServer {
  baseUrl: string;
  built: PipewrightApp;
  core: Core;
  org: { id: string; slug: string; seq: number };
  admin: TestUser;
  /** The server's file root: an organization's filesystem connectors see only `<fileRoot>/<slug>/`. */
  fileRoot: string;
  /** An organization's own folder of the file root (default: the test org's), created. */
  orgFolder(slug?: string): string;
  /** Creates a user with a key and a token in an organization (default: the test org). */
  user(options?: { role?: Role; orgSlug?: string; email?: string }): Promise<TestUser>;
  /** Creates another organization (slug) with its own admin. */
  organization(slug: string): Promise<{ id: string; slug: string; seq: number; admin: TestUser }>;
  /**
   * Creates a connection through the native API as an organization admin (default: the test
   * org's admin), as an admin does before workflows can name it; throws unless 201.
   */
  connection(input: NewTestConnection, options?: { orgSlug?: string; as?: TestUser }): Promise<ConnectionView>;
  /** fetch against the server with an optional bearer credential. */
  fetch(path: string, init?: RequestInit & { auth?: string; json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

/**
 * Storage for HTTP tests: real SQL always — a fresh Postgres database (cloned from the migrated
 * template) when TEST_DATABASE_URL is set (CI and the dev machines), else a fresh schema of
 * this test file's in-memory PGlite; dropped on close.
 */
async function defaultHandle(): Promise<StorageHandle> {
  const t = await createTestStorage();
  return { storage: t.storage, db: t.db, driver: t.driver, migrate: t.migrate, close: t.cleanup };
}

let counter = 0;

/** Boots the real app (createApp) on a random port with a bootstrapped admin. */
export async function startTestServer(
  options: { storage?: StorageHandle; config?: Partial<ServerConfig> } = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pipewright-test-'));
  const built = await createApp({
    env: {},
    storage: options.storage ?? (await defaultHandle()),
    logger: createLogger('silent'),
    config: {
      dataDir,
      // Each test server has its own file root (each organization's files under <fileRoot>/<slug>/).
      fileRoot: join(dataDir, 'files'),
      secret: 'test-secret-for-pipewright-0123456789',
      adminEmail: ADMIN_EMAIL,
      adminPassword: ADMIN_PASSWORD,
      defaultOrg: 'acme',
      loginRateLimitPerMinute: 1000,
      // Tests drive runs themselves; a scheduler test opts in.
      schedulerEnabled: false,
      // The test's own listeners (a webhook on 127.0.0.1, the local Postgres) are loopback
      // targets, which a server on Postgres refuses by default; a test of the policy overrides it.
      egressAllow: 'loopback,private',
      // Stages run on the server's thread in tests (child processes cost CPU a 2-core machine lacks);
      // the hostile-expression test turns the sandbox on, and the reliability suite's built servers keep the default (on).
      stageSandbox: false,
      ...options.config,
    },
  });
  const { core } = built;
  const fileRoot = built.config.fileRoot;
  const boot = await core.admin.bootstrap({ orgSlug: 'acme', email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
  if (!boot) throw new Error('expected a fresh storage');
  const server = createServer(built.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const credentialsFor = async (
    userId: string,
    email: string,
    password: string,
    orgId: string,
    role: Role,
  ): Promise<TestUser> => {
    const actor: Actor = { kind: 'user', userId, orgId, role };
    const { secret } = await core.apiKeys.createPersonalKey(actor);
    const { accessToken } = await core.auth.issueToken(userId);
    return { id: userId, email, password, role, apiKey: secret, token: accessToken, actor };
  };

  const admin = await credentialsFor(boot.user.id, ADMIN_EMAIL, ADMIN_PASSWORD, boot.org.id, 'admin');

  const userIn = async (orgId: string, role: Role, email?: string): Promise<TestUser> => {
    const address = email ?? `user${++counter}-${Date.now()}@example.com`;
    const password = 'user-password-1';
    const { user } = await core.admin.createUserAsOperator(orgId, { email: address, password, role });
    return credentialsFor(user.id, user.email, password, orgId, role);
  };

  const fetchServer: TestServer['fetch'] = (path, init = {}) => {
    const headers = new Headers(init.headers);
    if (init.auth) headers.set('authorization', `Bearer ${init.auth}`);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(init.json);
    }
    return fetch(baseUrl + path, { ...init, headers, body });
  };

  return {
    baseUrl,
    built,
    core,
    org: { id: boot.org.id, slug: boot.org.slug, seq: boot.org.seq },
    admin,
    fileRoot,
    orgFolder(slug = boot.org.slug) {
      const folder = join(fileRoot, slug);
      mkdirSync(folder, { recursive: true });
      return folder;
    },
    async user(opts = {}) {
      const org = opts.orgSlug ? await core.auth.findOrganization({ slug: opts.orgSlug }) : null;
      return userIn(org?.id ?? boot.org.id, opts.role ?? 'member', opts.email);
    },
    async organization(slug) {
      const org = await core.admin.createOrganization(null, { slug });
      const orgAdmin = await userIn(org.id, 'admin');
      return { id: org.id, slug: org.slug, seq: org.seq, admin: orgAdmin };
    },
    async connection(input, opts = {}) {
      const slug = opts.orgSlug ?? boot.org.slug;
      const res = await fetchServer(`/admin/api/v1/organizations/${encodeURIComponent(slug)}/connections`, {
        method: 'POST',
        auth: (opts.as ?? admin).apiKey,
        json: input,
      });
      const text = await res.text();
      if (res.status !== 201) throw new Error(`creating connection "${input.name}" in ${slug}: ${res.status} ${text}`);
      return JSON.parse(text) as ConnectionView;
    },
    fetch: fetchServer,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await built.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
