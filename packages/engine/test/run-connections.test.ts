import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Connection, ValidationError, type Actor, type Run, type WorkflowDefinition } from '@pipewright/core';
import { EgressPolicy, type RecordSourceConnector } from '@pipewright/engine';
import { engineWorld, type EngineWorld } from './support/harness.js';

const page = { page: 1, size: 100 };

/** A second organization ("beta") whose admin is acme's admin too (tenant isolation is by organization). */
async function betaOf(w: EngineWorld): Promise<Actor> {
  const beta = await w.core.admin.createOrganization(w.admin, { slug: 'beta' });
  return { kind: 'user', userId: w.admin.userId, orgId: beta.id, role: 'admin' };
}

async function runAs(w: EngineWorld, actor: Actor, workflowId: string): Promise<Run> {
  const { pipeline } = await w.core.pipelines.create(actor, { name: `p-${Math.random()}`, workflowId });
  const run = await w.core.runs.trigger(actor, pipeline.id);
  await w.executor.settled(run.id);
  return w.core.runs.get(actor, run.id);
}

/** Writes a definition straight into storage, past the checks a save makes (a tampered or stale row). */
async function force(w: EngineWorld, workflowId: string, definition: Partial<WorkflowDefinition>): Promise<void> {
  const wf = (await w.storage.workflows.findById(workflowId))!;
  wf.redefine(definition, wf.ownerId, new Date());
  await w.storage.workflows.update(wf);
}

async function logsOf(w: EngineWorld, actor: Actor, run: Run): Promise<string[]> {
  return (await w.core.runs.logs(actor, run.id, { minLevel: 'DEBUG' }, page)).items.map((l) => l.message);
}

/** A local webhook endpoint counting what it receives. */
async function endpoint(): Promise<{ url: string; received: string[]; server: Server }> {
  const received: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push(body);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, server };
}

describe("tenant isolation: an organization's runs see only its own files", () => {
  let base: string;
  let w: EngineWorld;
  let beta: Actor;
  const inline = { source: { connector: 'inline', settings: { records: [{ a: 1 }] } } };

  beforeEach(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'pipewright-tenants-'));
    await mkdir(path.join(base, 'acme', 'in'), { recursive: true });
    await writeFile(path.join(base, 'acme', 'in', 'secret.json'), '[{"card":"4111"}]');
    w = await engineWorld({ fileRoot: base });
    beta = await betaOf(w);
  });
  afterEach(async () => {
    await w.close();
    await rm(base, { recursive: true, force: true });
  });

  const folderSource = (p: string) => ({
    source: { connector: 'filesystem', settings: { path: p } },
    destination: { connector: 'filesystem', settings: { path: 'out' } },
  });

  it('resolves paths in the organization folder: the same path means different folders for different organizations', async () => {
    await mkdir(path.join(base, 'beta', 'in'), { recursive: true });
    await writeFile(path.join(base, 'beta', 'in', 'mine.json'), '[{"b":1},{"b":2}]');
    const wf = await w.core.workflows.create(beta, { name: 'mine', definition: folderSource('in') });
    const run = await runAs(w, beta, wf.id);
    expect(run).toMatchObject({ status: 'COMPLETED', stages: { passed: [2, 2, 2, 2, 2, 2] } });
    expect(await readdir(path.join(base, 'beta', 'out', 'in'))).toEqual(['mine.ndjson']);
    expect(await readdir(path.join(base, 'acme'))).toEqual(['in']);
  });

  it('creates the organization folder on demand', async () => {
    const wf = await w.core.workflows.create(beta, {
      name: 'out',
      definition: { ...inline, destination: { connector: 'filesystem', settings: { path: 'exports' } } },
    });
    expect((await runAs(w, beta, wf.id)).status).toBe('COMPLETED');
    expect((await readdir(path.join(base, 'beta', 'exports'))).length).toBe(1);
  });

  it('refuses ".." and absolute paths on save, and at run time when forced into storage', async () => {
    for (const p of ['../acme/in', path.join(base, 'acme', 'in'), 'in/../../acme/in'])
      await expect(w.core.workflows.create(beta, { name: 'steal', definition: folderSource(p) })).rejects.toMatchObject(
        {
          issues: [expect.objectContaining({ field: 'source.settings.path' })],
        },
      );
    await expect(
      w.core.workflows.create(beta, {
        name: 'drop',
        definition: { ...inline, destination: { connector: 'filesystem', settings: { path: '../acme/in' } } },
      }),
    ).rejects.toBeInstanceOf(ValidationError);

    const wf = await w.core.workflows.create(beta, { name: 'innocent', definition: folderSource('in') });
    for (const p of ['../acme/in', path.join(base, 'acme', 'in')]) {
      await force(w, wf.id, folderSource(p));
      const run = await runAs(w, beta, wf.id);
      expect(run).toMatchObject({ status: 'ERROR', stages: { passed: [0, 0, 0, 0, 0, 0] }, files: { total: 0 } });
      expect(run.error).toMatch(/^invalid workflow definition: source\.settings\.path: Must/);
      expect((await w.storage.fileExecutions.listByRun(run.id, page)).total).toBe(0);
    }
  });

  it('refuses a symlink out of the organization folder at run time', async () => {
    await mkdir(path.join(base, 'beta'), { recursive: true });
    await symlink(path.join(base, 'acme', 'in'), path.join(base, 'beta', 'link'));
    await symlink(path.join(base, 'acme'), path.join(base, 'beta', 'up'));
    for (const p of ['link', 'up/in']) {
      const wf = await w.core.workflows.create(beta, { name: `link-${p}`, definition: folderSource(p) });
      const run = await runAs(w, beta, wf.id);
      expect(run).toMatchObject({ status: 'ERROR', stages: { passed: [0, 0, 0, 0, 0, 0] } });
      expect(run.error).toMatch(/^source "filesystem" failed: .*(outside the file root|Leads outside)/);
    }
    // A symlinked file inside beta's folder pointing at acme's file is skipped.
    await mkdir(path.join(base, 'beta', 'files'), { recursive: true });
    await symlink(path.join(base, 'acme', 'in', 'secret.json'), path.join(base, 'beta', 'files', 'secret.json'));
    const wf = await w.core.workflows.create(beta, { name: 'file-link', definition: folderSource('files') });
    expect(await runAs(w, beta, wf.id)).toMatchObject({
      status: 'COMPLETED',
      stages: { passed: [0, 0, 0, 0, 0, 0] },
      files: { total: 0 },
    });
  });

  it("resolves paths under a filesystem connection's folder; a connection cannot point out either", async () => {
    await mkdir(path.join(base, 'beta', 'shared', 'in'), { recursive: true });
    await writeFile(path.join(base, 'beta', 'shared', 'in', 'x.json'), '[{"x":1}]');
    const shared = await w.core.connections.create(beta, {
      name: 'shared',
      kind: 'filesystem',
      settings: { path: 'shared' },
    });
    const wf = await w.core.workflows.create(beta, {
      name: 'via-connection',
      definition: {
        source: { connector: 'filesystem', connection: 'shared', settings: { path: 'in' } },
        destination: { connector: 'filesystem', connection: shared.id, settings: { path: 'out' } },
      },
    });
    expect(await runAs(w, beta, wf.id)).toMatchObject({ status: 'COMPLETED', stages: { passed: [1, 1, 1, 1, 1, 1] } });
    // File paths (history, output names) stay relative to the organization's folder.
    expect(await readdir(path.join(base, 'beta', 'shared', 'out', 'shared', 'in'))).toEqual(['x.ndjson']);

    await expect(
      w.core.connections.create(beta, { name: 'escape', kind: 'filesystem', settings: { path: '../acme' } }),
    ).rejects.toMatchObject({
      issues: [expect.objectContaining({ field: 'settings.path' })],
    });
    // One written straight into storage is refused when a run uses it.
    const tampered = Connection.create({
      id: '00000000-0000-4000-8000-00000000abcd',
      seq: 999,
      orgId: beta.orgId,
      name: 'tampered',
      kind: 'filesystem',
      settings: { path: '../acme' },
      by: beta.userId,
      now: new Date(),
    });
    await w.storage.connections.insert(tampered);
    const steal = await w.core.workflows.create(beta, {
      name: 'steal',
      definition: { source: { connector: 'filesystem', connection: tampered.id, settings: { path: 'in' } } },
    });
    const run = await runAs(w, beta, steal.id);
    expect(run).toMatchObject({ status: 'ERROR', stages: { passed: [0, 0, 0, 0, 0, 0] } });
    expect(run.error).toMatch(/^source "filesystem" failed: Must not contain "\.\."/);
  });
});

describe('connections at run time', () => {
  let w: EngineWorld;
  let hook: Awaited<ReturnType<typeof endpoint>>;
  beforeEach(async () => {
    w = await engineWorld();
    hook = await endpoint();
  });
  afterEach(async () => {
    await w.close();
    await new Promise((r) => hook.server.close(r));
  });

  const toHook = (connection: string) => ({
    source: { connector: 'inline', settings: { records: [{ a: 1 }] } },
    destination: { connector: 'webhook', connection, settings: { maxAttempts: 1 } },
  });

  it("refuses another organization's connection: 400 on save; forced into storage, the run ends ERROR touching nothing", async () => {
    const acmeHook = await w.connection('webhook', { url: hook.url }, 'acme-hook');
    const beta = await betaOf(w);
    for (const ref of [acmeHook, 'acme-hook'])
      await expect(
        w.core.workflows.create(beta, { name: `steal-${ref}`, definition: toHook(ref) }),
      ).rejects.toMatchObject({
        issues: [expect.objectContaining({ field: 'destination.connection' })],
      });
    const own = await w.core.connections.create(beta, { name: 'own', kind: 'webhook', settings: { url: hook.url } });
    const wf = await w.core.workflows.create(beta, { name: 'mine', definition: toHook(own.id) });
    await force(w, wf.id, toHook(acmeHook));
    const run = await runAs(w, beta, wf.id);
    expect(run).toMatchObject({ status: 'ERROR', stages: { passed: [0, 0, 0, 0, 0, 0], failed: [0, 0, 0, 0, 0, 0] } });
    expect(run.error).toBe(
      `destination "webhook" failed: connection ${acmeHook} does not exist in this organization (deleted?)`,
    );
    expect(hook.received).toEqual([]);
  });

  it('ends a run ERROR when its connection was deleted, or a required one is missing, or of the wrong kind', async () => {
    const id = await w.connection('webhook', { url: hook.url });
    const wf = await w.workflow(toHook(id));
    const p = await w.pipeline(wf);
    expect((await w.run(p)).status).toBe('COMPLETED');
    expect(hook.received).toHaveLength(1);
    await w.core.connections.delete(w.admin, id);
    expect(await w.run(p)).toMatchObject({
      status: 'ERROR',
      error: `destination "webhook" failed: connection ${id} does not exist in this organization (deleted?)`,
    });

    await force(w, wf, { ...toHook(id), destination: { connector: 'webhook', settings: {} } });
    expect(await w.run(p)).toMatchObject({
      status: 'ERROR',
      error: 'destination "webhook" failed: the webhook connector needs a webhook connection; the workflow names none',
    });
    const folder = await w.connection('filesystem', { path: 'x' });
    await force(w, wf, toHook(folder));
    expect((await w.run(p)).error).toMatch(
      /is a filesystem connection; the webhook connector needs a webhook connection$/,
    );
    expect(hook.received).toHaveLength(1);
  });

  it('sends the connection token as a bearer token and its headers', async () => {
    const server = createServer((req, res) => {
      hook.received.push(`${req.headers.authorization} ${req.headers['x-api-key']}`);
      req.resume();
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const id = await w.connection('webhook', {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
        token: 'tok-1',
        headers: { 'x-api-key': 'k-1' },
      });
      expect((await w.run(await w.pipeline(await w.workflow(toHook(id))))).status).toBe('COMPLETED');
      expect(hook.received).toEqual(['Bearer tok-1 k-1']);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('egress at run time', () => {
  const CONTROL = 'postgres://pipewright:pw@127.0.0.1:5432/pipewright';
  let w: EngineWorld;
  let hook: Awaited<ReturnType<typeof endpoint>>;
  beforeEach(async () => {
    // Loopback allowed: the refusal below is rule 1 (the control database), not a default.
    w = await engineWorld({
      egress: EgressPolicy.fromConfig({ multiOrganization: true, allow: 'loopback', controlDatabaseUrl: CONTROL }),
    });
    hook = await endpoint();
  });
  afterEach(async () => {
    await w.close();
    await new Promise((r) => hook.server.close(r));
  });

  it("refuses to save a connection to the control plane's own database, under any alias", async () => {
    for (const host of ['localhost', '127.0.0.1', '::1'])
      await expect(
        w.connection('postgres', { host, port: 5432, database: 'pipewright', user: 'x' }),
      ).rejects.toMatchObject({
        issues: [
          {
            field: 'settings.host',
            message: expect.stringContaining("the control plane's own database"),
            code: 'invalid',
          },
        ],
      });
    await expect(
      w.connection('postgres', { connectionString: 'postgres://x@localhost:5432/warehouse' }),
    ).resolves.toBeTruthy();
  });

  it('ends a run whose postgres connection points at the control database ERROR with the egress message, touching nothing', async () => {
    // Saved before the policy applied (written straight into storage).
    const id = '00000000-0000-4000-8000-0000000000cd';
    const org = w.admin.orgId;
    await w.storage.connections.insert(
      Connection.create({
        id,
        seq: 500,
        orgId: org,
        name: 'control',
        kind: 'postgres',
        settings: { host: 'localhost', port: 5432, database: 'pipewright', user: 'pipewright', ssl: 'disable' },
        sealedSecrets: { password: `sealed:${JSON.stringify('pw')}` },
        by: w.admin.userId,
        now: new Date(),
      }),
    );
    const source = await w.workflow({
      source: { connector: 'postgres', connection: id, settings: { table: 'users' } },
      destination: { connector: 'webhook', connection: await w.connection('webhook', { url: hook.url }), settings: {} },
    });
    const run = await w.run(await w.pipeline(source));
    expect(run).toMatchObject({ status: 'ERROR', stages: { passed: [0, 0, 0, 0, 0, 0] } });
    expect(run.error).toBe(
      `source "postgres" failed: egress refused: localhost resolves to 127.0.0.1, the control plane's own database`,
    );
    const destination = await w.workflow({
      source: { connector: 'inline', settings: { records: [{ a: 1 }] } },
      destination: { connector: 'postgres', connection: id, settings: { table: 'users' } },
    });
    const run2 = await w.run(await w.pipeline(destination, { retry: { maxAttempts: 3, backoffSeconds: 0 } }));
    // Not retryable: refused again every time.
    expect(run2).toMatchObject({ status: 'ERROR', attempt: 1, stages: { passed: [0, 0, 0, 0, 0, 0] } });
    expect(run2.error).toMatch(/^destination "postgres" failed: egress refused: .*the control plane's own database$/);
    expect(hook.received).toEqual([]);
  });
});

describe('redaction', () => {
  let w: EngineWorld;
  beforeEach(async () => {
    w = await engineWorld();
  });
  afterEach(() => w.close());

  it("never writes a connection's secrets into run logs or the run's error", async () => {
    const leaky: RecordSourceConnector = {
      kind: 'records',
      name: 'leaky',
      description: 'logs and throws its secrets',
      connection: { kind: 'webhook', required: true },
      settingsSchema: { type: 'object' },
      async *read(_settings, ctx) {
        const s = ctx.connection!.settings as { url: string; token: string; headers: Record<string, string> };
        ctx.logger.info('Receive', `connecting with ${JSON.stringify(s)}`);
        ctx.logger.warn(
          'Receive',
          `retrying postgres://reader:${encodeURIComponent('p@ss word')}@db.example.com/x and https://bob:hunter22@x.example/`,
        );
        yield { records: [{ a: 1 }] };
        throw new Error(`401 for token ${s.token} (header ${s.headers['x-api-key']})`);
      },
    };
    w.executor.registry.registerSource(leaky);
    const id = await w.connection('webhook', {
      url: 'https://hooks.example.com/in',
      token: 'tok-SUPERSECRET-1',
      headers: { 'x-api-key': 'key-SUPERSECRET-2' },
    });
    const run = await w.run(
      await w.pipeline(await w.workflow({ source: { connector: 'leaky', connection: id, settings: {} } })),
    );
    expect(run.status).toBe('ERROR');
    expect(run.error).toBe('source "leaky" failed: 401 for token ******** (header ********)');
    const logs = (await logsOf(w, w.member, run)).join('\n');
    expect(logs).toContain('"token":"********"');
    expect(logs).toContain('postgres://reader:********@db.example.com/x');
    expect(logs).toContain('https://bob:********@x.example/');
    for (const secret of ['SUPERSECRET', 'hunter22', 'p%40ss']) expect(logs + run.error).not.toContain(secret);
  });

  it('keeps a failing postgres connection password out of the run', async () => {
    const id = await w.connection('postgres', { connectionString: 'postgres://reader:Pa55-w0rd-XYZ@127.0.0.1:1/none' });
    const run = await w.run(
      await w.pipeline(
        await w.workflow({ source: { connector: 'postgres', connection: id, settings: { table: 't' } } }),
      ),
    );
    expect(run.status).toBe('ERROR');
    expect(run.error).toMatch(/ECONNREFUSED/);
    const text = (await logsOf(w, w.member, run)).join('\n') + run.error;
    expect(text).not.toContain('Pa55-w0rd-XYZ');
  });
});
