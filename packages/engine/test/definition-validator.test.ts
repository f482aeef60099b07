import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ValidationError, type WorkflowDefinition } from '@pipewright/core';
import { createDefaultRegistry, EngineDefinitionValidator } from '@pipewright/engine';
import { engineWorld } from './support/harness.js';

function issuesOf(validator: EngineDefinitionValidator, def: Partial<WorkflowDefinition>) {
  try {
    validator.validate({ source: null, stages: {}, destination: null, ...def });
    return [];
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).issues.map((i) => i.field);
  }
}

describe('EngineDefinitionValidator', () => {
  let root: string;
  let validator: EngineDefinitionValidator;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'pipewright-root-'));
    await mkdir(path.join(root, 'in'));
    validator = new EngineDefinitionValidator(
      createDefaultRegistry().registerHandler('known', (r) => r),
      { fileRoot: root },
    );
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('accepts a complete, valid definition', () => {
    expect(
      issuesOf(validator, {
        source: {
          connector: 'postgres',
          connection: 'warehouse',
          settings: { table: 'public.orders', updatedAtColumn: 'updated_at' },
        },
        stages: {
          inputSchema: { type: 'object', properties: { at: { type: 'string', format: 'date-time' } } },
          filter: 'amount > 0',
          transformation: { handler: 'known' },
        },
        destination: {
          connector: 'postgres',
          connection: 'warehouse',
          settings: { table: 'out', mode: 'upsert', keyColumns: ['id'] },
        },
      }),
    ).toEqual([]);
  });

  it('rejects bad expressions, schemas and handlers, naming the field', () => {
    expect(issuesOf(validator, { stages: { filter: 'amount >' } })).toEqual(['stages.filter']);
    expect(issuesOf(validator, { stages: { transformation: '{"a": ' } })).toEqual(['stages.transformation']);
    expect(issuesOf(validator, { stages: { transformation: { handler: 'nope' } } })).toEqual(['stages.transformation']);
    expect(issuesOf(validator, { stages: { inputSchema: { type: 'nonsense' } } })).toEqual(['stages.inputSchema']);
    expect(issuesOf(validator, { stages: { outputSchema: { type: 'object', minProperties: -1 } } })).toEqual([
      'stages.outputSchema',
    ]);
  });

  it('says where a JSONata syntax error is', () => {
    try {
      validator.validate({ source: null, stages: { filter: 'a = = b' }, destination: null });
      throw new Error('expected a ValidationError');
    } catch (e) {
      expect((e as ValidationError).issues[0]!.message).toMatch(/position \d+/);
    }
  });

  it('checks connector names and settings against the registry', () => {
    expect(issuesOf(validator, { source: { connector: 'ftp', settings: {} } })).toEqual(['source.connector']);
    expect(
      issuesOf(validator, { destination: { connector: 'postgres', settings: { table: 'x; drop table y' } } }),
    ).toEqual(['destination.settings.table']);
    expect(issuesOf(validator, { source: { connector: 'postgres', settings: {} } })).toEqual(['source.settings.table']);
    expect(
      issuesOf(validator, { destination: { connector: 'postgres', settings: { table: 't', mode: 'upsert' } } }),
    ).toEqual(['destination.settings.keyColumns']);
    expect(issuesOf(validator, { destination: { connector: 'webhook', settings: { maxAttempts: 0 } } })).toEqual([
      'destination.settings.maxAttempts',
    ]);
    // Targets and credentials belong in a connection: inline, they fail the schema.
    expect(
      issuesOf(validator, {
        source: { connector: 'postgres', settings: { connectionString: 'postgres://h/db', table: 't' } },
      }),
    ).toEqual(['source.settings.connectionString']);
    expect(
      issuesOf(validator, {
        destination: { connector: 'webhook', settings: { url: 'https://x.example/hook', headers: {} } },
      }),
    ).toEqual(['destination.settings.url', 'destination.settings.headers']);
    expect(issuesOf(validator, { source: { connector: 'inline', settings: { recrods: [] } } })).toEqual([
      'source.settings.recrods',
    ]);
  });

  it('keeps filesystem connectors inside the file root (lexically: the organization folder is known at run time)', async () => {
    const fs = (p: string) => issuesOf(validator, { source: { connector: 'filesystem', settings: { path: p } } });
    expect(fs('in')).toEqual([]);
    expect(fs('not/yet/there')).toEqual([]);
    expect(fs('../etc')).toEqual(['source.settings.path']);
    expect(fs('in/../../etc')).toEqual(['source.settings.path']);
    expect(fs('/etc')).toEqual(['source.settings.path']);
    // A symlink is only known in the organization's folder: the run refuses it (file-runs, tenant-isolation tests).
    await symlink(tmpdir(), path.join(root, 'escape'));
    expect(fs('escape')).toEqual([]);
    expect(issuesOf(validator, { destination: { connector: 'filesystem', settings: { path: '../out' } } })).toEqual([
      'destination.settings.path',
    ]);
    const noRoot = new EngineDefinitionValidator(createDefaultRegistry(), { fileRoot: null });
    expect(issuesOf(noRoot, { source: { connector: 'filesystem', settings: { path: 'in' } } })).toEqual([
      'source.settings.path',
    ]);
  });

  it('is what the core uses when a workflow is saved', async () => {
    const w = await engineWorld();
    try {
      await expect(
        w.core.workflows.create(w.member, { name: 'bad', definition: { stages: { filter: '((' } } }),
      ).rejects.toBeInstanceOf(ValidationError);
      const wf = await w.workflow({ stages: { filter: 'a > 1' } });
      await expect(
        w.core.workflows.update(w.member, wf, { definition: { stages: { transformation: { handler: 'missing' } } } }),
      ).rejects.toMatchObject({
        issues: [expect.objectContaining({ field: 'stages.transformation' })],
      });
    } finally {
      await w.close();
    }
  });
});
