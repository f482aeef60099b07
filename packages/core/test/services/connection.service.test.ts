import {
  NotFoundError,
  PermissionDeniedError,
  SECRET_MASK,
  ValidationError,
  Workflow,
  query,
  type ConnectionKinds,
  type ResolvedConnection,
} from '@pipewright/core';
import { world, type World } from './harness.js';

/** A postgres-like kind: `password` is secret, a `connectionString` is split into fields. */
function fakeKinds(): ConnectionKinds & { tested: ResolvedConnection[] } {
  const tested: ResolvedConnection[] = [];
  return {
    tested,
    async normalize(kind, settings) {
      if (kind !== 'postgres')
        return { issues: [{ field: 'kind', message: `Unknown kind ${kind}`, code: 'invalid_choice' }] };
      if (typeof settings.connectionString === 'string') {
        const u = new URL(settings.connectionString);
        return {
          settings: { host: u.hostname, database: u.pathname.slice(1), user: u.username, password: u.password },
        };
      }
      if (typeof settings.host !== 'string')
        return { issues: [{ field: 'host', message: 'This field is required.', code: 'required' }] };
      return { settings };
    },
    secretFields: (kind) => (kind === 'postgres' ? ['password'] : []),
    kindFor: (_role, connector) => (connector === 'postgres' ? { kind: 'postgres', required: true } : null),
    async test(connection) {
      tested.push(connection);
      return { ok: true, message: 'reached' };
    },
    inlineCredentials(_role, connector, settings) {
      if (connector !== 'postgres' || settings.connectionString === undefined) return null;
      const { connectionString, ...remaining } = settings;
      return { kind: 'postgres', connection: { connectionString }, remaining };
    },
  };
}

describe('ConnectionService', () => {
  let w: World;
  let kinds: ReturnType<typeof fakeKinds>;
  beforeEach(async () => {
    kinds = fakeKinds();
    w = await world(undefined, { connectionKinds: kinds });
  });

  const create = (name = 'warehouse', password = 's3cret-pw') =>
    w.core.connections.create(w.admin, {
      name,
      kind: 'postgres',
      settings: { host: 'db.internal', database: 'dw', user: 'etl', password },
    });

  it('lets only org admins create, change, test and delete; members read with secrets masked; other orgs see nothing', async () => {
    await expect(
      w.core.connections.create(w.owner, { name: 'x', kind: 'postgres', settings: { host: 'h' } }),
    ).rejects.toThrow(PermissionDeniedError);
    const c = await create();
    const seen = await w.core.connections.get(w.owner, c.id);
    expect(seen.maskedSettings()).toEqual({ host: 'db.internal', database: 'dw', user: 'etl', password: SECRET_MASK });
    expect(JSON.stringify(seen.maskedSettings())).not.toContain('s3cret-pw');
    await expect(w.core.connections.update(w.owner, c.id, { name: 'y' })).rejects.toThrow(PermissionDeniedError);
    await expect(w.core.connections.test(w.owner, c.id)).rejects.toThrow(PermissionDeniedError);
    await expect(w.core.connections.delete(w.owner, c.id)).rejects.toThrow(PermissionDeniedError);
    await expect(w.core.connections.get(w.outsider, c.id)).rejects.toThrow(NotFoundError);
    await expect(w.core.connections.getBySeq(w.outsider, c.seq)).rejects.toThrow(NotFoundError);
    expect((await w.core.connections.list(w.outsider, query({}))).total).toBe(0);
    expect((await w.core.connections.list(w.owner, query({}))).items.map((x) => x.name)).toEqual(['warehouse']);
  });

  it('seals secrets at rest and gives them in plaintext only to the engine and to tests', async () => {
    const c = await create();
    expect(c.sealedSecrets.password).toBe('sealed:"s3cret-pw"');
    const resolved = await w.core.connections.resolve(w.orgId, c.id);
    expect(resolved.settings).toEqual({ host: 'db.internal', database: 'dw', user: 'etl', password: 's3cret-pw' });
    await expect(w.core.connections.resolve(w.outsider.orgId, c.id)).rejects.toThrow(NotFoundError);
    expect(await w.core.connections.test(w.admin, c.id)).toEqual({ ok: true, message: 'reached' });
    expect(kinds.tested[0]!.settings.password).toBe('s3cret-pw');
  });

  it('keeps a secret sent back masked or left out, rotates a new one, removes one set to null', async () => {
    const c = await create();
    await w.core.connections.update(w.admin, c.id, {
      settings: { host: 'db2', database: 'dw', user: 'etl', password: SECRET_MASK },
    });
    expect((await w.core.connections.resolve(w.orgId, c.id)).settings).toMatchObject({
      host: 'db2',
      password: 's3cret-pw',
    });
    await w.core.connections.update(w.admin, c.id, { settings: { host: 'db3' } });
    expect((await w.core.connections.resolve(w.orgId, c.id)).settings).toEqual({ host: 'db3', password: 's3cret-pw' });
    await w.core.connections.update(w.admin, c.id, { settings: { host: 'db3', password: 'rotated' } });
    expect((await w.core.connections.resolve(w.orgId, c.id)).settings.password).toBe('rotated');
    const cleared = await w.core.connections.update(w.admin, c.id, { settings: { host: 'db3', password: null } });
    expect(cleared.secretFields).toEqual([]);
  });

  it('reports bad settings under settings.<field>, and normalizes a connection string into fields', async () => {
    await expect(
      w.core.connections.create(w.admin, { name: 'x', kind: 'postgres', settings: {} }),
    ).rejects.toMatchObject({
      issues: [{ field: 'settings.host', code: 'required' }],
    });
    const c = await w.core.connections.create(w.admin, {
      name: 'cs',
      kind: 'postgres',
      settings: { connectionString: 'postgres://etl:pw@db/dw' },
    });
    expect(c.maskedSettings()).toEqual({ host: 'db', database: 'dw', user: 'etl', password: SECRET_MASK });
  });

  it('resolves a workflow connection by name or id within the org, and refuses another org’s, a wrong kind and inline credentials', async () => {
    const c = await create();
    const wf = await w.core.workflows.create(w.owner, {
      name: 'by-name',
      definition: { source: { connector: 'postgres', connection: 'warehouse', settings: { table: 't' } } },
    });
    expect(wf.definition.source).toEqual({ connector: 'postgres', connection: c.id, settings: { table: 't' } });
    const byId = await w.core.workflows.create(w.owner, {
      name: 'by-id',
      definition: { source: { connector: 'postgres', connection: c.id, settings: { table: 't' } } },
    });
    expect(byId.definition.source?.connection).toBe(c.id);
    expect((await w.core.connections.usage(w.owner, c.id)).workflows.map((x) => x.name).sort()).toEqual([
      'by-id',
      'by-name',
    ]);

    const foreign = w.core.workflows.create(w.outsider, {
      name: 'steal',
      definition: { source: { connector: 'postgres', connection: c.id, settings: { table: 't' } } },
    });
    await expect(foreign).rejects.toMatchObject({ issues: [{ field: 'source.connection', code: 'does_not_exist' }] });
    const inline = w.core.workflows.create(w.owner, {
      name: 'inline',
      definition: { source: { connector: 'postgres', settings: { connectionString: 'postgres://x@y/z', table: 't' } } },
    });
    await expect(inline).rejects.toMatchObject({ issues: [{ field: 'source.settings.connectionString' }] });
    const missing = w.core.workflows.create(w.owner, {
      name: 'missing',
      definition: { source: { connector: 'postgres', settings: { table: 't' } } },
    });
    await expect(missing).rejects.toMatchObject({ issues: [{ field: 'source.connection', code: 'required' }] });
    const none = w.core.workflows.create(w.owner, {
      name: 'none',
      definition: { source: { connector: 'inline', connection: 'warehouse', settings: {} } },
    });
    await expect(none).rejects.toThrow(ValidationError);
    await expect(
      w.core.workflows.update(w.owner, wf.id, {
        definition: { source: { connector: 'postgres', connection: 'nope', settings: {} } },
      }),
    ).rejects.toThrow(ValidationError);
    expect((await w.core.workflows.get(w.owner, wf.id)).definition.source?.connection).toBe(c.id);
  });

  it('deletes a connection; resolving it for a run is then NotFound', async () => {
    const c = await create();
    await w.core.connections.delete(w.admin, c.id);
    await expect(w.core.connections.resolve(w.orgId, c.id)).rejects.toThrow(NotFoundError);
    await expect(w.core.connections.get(w.admin, c.id)).rejects.toThrow(NotFoundError);
  });

  it('converts inline credentials saved before connections existed, once, sealing them', async () => {
    const legacy = Workflow.create({
      id: '00000000-0000-4000-8000-000000000001',
      orgId: w.orgId,
      name: 'legacy',
      ownerId: w.owner.userId,
      definition: {
        source: { connector: 'postgres', settings: { connectionString: 'postgres://etl:old-pw@db/dw', table: 't' } },
      },
      now: new Date(),
    });
    await w.storage.workflows.insert(legacy);
    expect(await w.core.connections.convertInlineCredentials(['connectionString'])).toBe(1);
    const after = await w.core.workflows.get(w.owner, legacy.id);
    expect(after.definition.source?.settings).toEqual({ table: 't' });
    const resolved = await w.core.connections.resolve(w.orgId, after.definition.source!.connection!);
    expect(resolved).toMatchObject({
      name: 'legacy source',
      kind: 'postgres',
      settings: { host: 'db', password: 'old-pw' },
    });
    expect(JSON.stringify(after.definition)).not.toContain('old-pw');
    expect(await w.core.connections.convertInlineCredentials(['connectionString'])).toBe(0);
  });
});
