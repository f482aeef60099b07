import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DomainEvent, EventSink } from '@pipewright/core';
import { TYPES, createApp, createLogger } from '@pipewright/server';
import { createMemoryStorage } from '@pipewright/storage-memory';

describe('createApp embedded', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pw-embed-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const build = (bootstrapAdmin?: boolean) =>
    createApp({
      env: {},
      storage: { storage: createMemoryStorage(), migrate: async () => {}, close: async () => {} },
      logger: createLogger('silent'),
      config: {
        dataDir,
        secret: randomBytes(32).toString('base64url'),
        adminEmail: 'ops@acme.io',
        adminPassword: 's3cret-pass',
        defaultOrg: 'acme',
        stageSandbox: false,
      },
      ...(bootstrapAdmin === undefined ? {} : { bootstrapAdmin }),
    });

  it('creates the first admin with bootstrapAdmin, who can then log in', async () => {
    const app = await build(true);
    try {
      const { user } = await app.core.auth.login('ops@acme.io', 's3cret-pass');
      const orgs = await app.core.admin.organizationsOf(user.id);
      expect(orgs.map((o) => [o.organization.slug, o.role])).toEqual([['acme', 'admin']]);
    } finally {
      await app.close();
    }
  });

  it('creates no user without it', async () => {
    const app = await build();
    try {
      await expect(app.core.auth.login('ops@acme.io', 's3cret-pass')).rejects.toMatchObject({
        code: 'UNAUTHENTICATED',
      });
    } finally {
      await app.close();
    }
  });

  it('builds the core with a port an embedder rebinds before it is resolved', async () => {
    const seen: DomainEvent[] = [];
    const events: EventSink = { publish: (e) => void seen.push(e) };
    const app = await createApp({
      env: {},
      storage: { storage: createMemoryStorage(), migrate: async () => {}, close: async () => {} },
      logger: createLogger('silent'),
      config: {
        dataDir,
        secret: randomBytes(32).toString('base64url'),
        adminEmail: 'ops@acme.io',
        adminPassword: 's3cret-pass',
        defaultOrg: 'acme',
        stageSandbox: false,
      },
      bootstrapAdmin: true,
      configureContainer: (container) => void container.rebind<EventSink>(TYPES.EventSink).toConstantValue(events),
    });
    try {
      expect(app.container.get(TYPES.Core)).toBe(app.core);
      const { user } = await app.core.auth.login('ops@acme.io', 's3cret-pass');
      const [{ organization }] = await app.core.admin.organizationsOf(user.id);
      const actor = await app.core.auth.actorIn({ via: 'token', userId: user.id }, organization!);
      const wf = await app.core.workflows.create(actor, { name: 'wf' });
      await app.core.pipelines.create(actor, { name: 'p', workflowId: wf.id });
      expect(seen.map((e) => e.type)).toContain('pipeline.changed');
    } finally {
      await app.close();
    }
  });
});
