import {
  ApiKey,
  DEFAULT_MAX_FILE_EXECUTION_COUNT,
  FileHistory,
  InvalidStateError,
  OrgNotNormalError,
  Organization,
  Tag,
  User,
  ValidationError,
  Workflow,
} from '@pipewright/core';
import { OWNER, T0, later } from './fixtures.js';

describe('Organization', () => {
  it('allows runs only in normal mode', () => {
    const org = Organization.create({ id: 'o', seq: 1, slug: 'acme', now: T0 });
    expect(org.name).toBe('acme');
    expect(() => org.assertRunsAllowed()).not.toThrow();
    org.changeMode('inspection', later(1));
    expect(() => org.assertRunsAllowed()).toThrow(OrgNotNormalError);
    // The mode is what the dialects word their refusal with.
    const refusal = () => {
      try {
        org.assertRunsAllowed();
      } catch (e) {
        return e;
      }
    };
    expect(refusal()).toMatchObject({
      mode: 'inspection',
      message: 'The organization is in inspection mode; runs are refused until it is back to normal.',
    });
    org.changeMode('maintenance', later(2));
    expect(refusal()).toMatchObject({ mode: 'maintenance' });
    expect(() => org.changeMode('chaos' as never, later(3))).toThrow(ValidationError);
  });

  it('validates the slug', () => {
    expect(() => Organization.create({ id: 'o', seq: 1, slug: 'Bad Slug', now: T0 })).toThrow(ValidationError);
    expect(() => Organization.create({ id: 'o', seq: 1, slug: '-x', now: T0 })).toThrow(ValidationError);
  });
});

describe('User', () => {
  it('normalizes the email and derives a name', () => {
    const u = User.create({ id: 'u', seq: 1, email: ' Ada@Example.COM ', passwordHash: null, now: T0 });
    expect(u.email).toBe('ada@example.com');
    expect(u.name).toBe('ada');
    expect(() => User.create({ id: 'u', seq: 1, email: 'nope', passwordHash: null, now: T0 })).toThrow(ValidationError);
  });
});

describe('Workflow', () => {
  it('can be created with only a name, active, with the default file limit', () => {
    const wf = Workflow.create({ id: 'w', orgId: 'o', name: 'wf', ownerId: OWNER, now: T0 });
    expect(wf.isActive).toBe(true);
    expect(wf.definition).toEqual({ source: null, stages: {}, destination: null });
    expect(wf.maxFileExecutionCount).toBe(DEFAULT_MAX_FILE_EXECUTION_COUNT);
  });

  it('validates the shape of the definition', () => {
    try {
      Workflow.create({
        id: 'w',
        orgId: 'o',
        name: 'wf',
        ownerId: OWNER,
        definition: {
          source: { connector: '', settings: {} },
          stages: { filter: 42 as never, transformation: { nope: 1 } as never },
        },
        now: T0,
      });
      throw new Error('expected ValidationError');
    } catch (e) {
      expect((e as ValidationError).issues.map((i) => i.field).sort()).toEqual([
        'source.connector',
        'stages.filter',
        'stages.transformation',
      ]);
    }
  });

  it('redefines only the parts given and toggles activity', () => {
    const wf = Workflow.create({
      id: 'w',
      orgId: 'o',
      name: 'wf',
      ownerId: OWNER,
      definition: { source: { connector: 'inline', settings: { records: [] } } },
      now: T0,
    });
    wf.redefine({ stages: { filter: 'x > 1' } }, OWNER, later(1));
    expect(wf.definition.source?.connector).toBe('inline');
    expect(wf.definition.stages.filter).toBe('x > 1');
    wf.deactivate(OWNER, later(2));
    expect(wf.isActive).toBe(false);
    expect(() => wf.configureExecution({ maxFileExecutionCount: 0 }, OWNER, later(3))).toThrow(ValidationError);
  });
});

describe('FileHistory', () => {
  const make = (status: 'COMPLETED' | 'ERROR') =>
    FileHistory.create({ id: 'h', workflowId: 'w', cacheKey: 'abc', filePath: '/in/a.json', status, now: T0 });

  it('skips a COMPLETED file at the same path', () => {
    expect(make('COMPLETED').shouldSkip('/in/a.json', null, 3)).toBe(true);
    expect(make('COMPLETED').shouldSkip('/in/b.json', null, 3)).toBe(false);
    expect(make('ERROR').shouldSkip('/in/a.json', null, 3)).toBe(false);
  });

  it('skips a file at its execution limit for ETL and TASK runs only', () => {
    const h = make('ERROR');
    h.recordExecution({ status: 'ERROR', error: 'x' }, later(1));
    h.recordExecution({ status: 'ERROR', error: 'x' }, later(2));
    expect(h.executionCount).toBe(3);
    expect(h.shouldSkip('/in/a.json', 'ETL', 3)).toBe(true);
    expect(h.shouldSkip('/in/a.json', 'TASK', 3)).toBe(true);
    expect(h.shouldSkip('/in/a.json', 'DEFAULT', 3)).toBe(false);
    expect(h.shouldSkip('/in/a.json', 'ETL', 4)).toBe(false);
  });
});

describe('ApiKey', () => {
  const base = {
    id: 'k',
    orgId: 'o',
    secretHash: 'h',
    secretSealed: null,
    prefix: 'api_abcd',
    createdBy: OWNER,
    now: T0,
  };

  it('has exactly one target', () => {
    expect(() => ApiKey.create({ ...base, kind: 'pipeline', targets: {} })).toThrow(
      'Exactly one of api or pipeline must be provided.',
    );
    expect(() => ApiKey.create({ ...base, kind: 'pipeline', targets: { pipeline: 'p', deployment: 'd' } })).toThrow(
      ValidationError,
    );
    expect(() => ApiKey.create({ ...base, kind: 'personal', targets: { pipeline: 'p' } })).toThrow(ValidationError);
    const k = ApiKey.create({ ...base, kind: 'pipeline', targets: { pipeline: 'p' } });
    expect(k.targetId).toBe('p');
  });

  it('stops being usable when revoked or expired', () => {
    const k = ApiKey.create({ ...base, kind: 'personal', targets: { user: OWNER }, expiresAt: later(1000) });
    expect(k.isUsable(later(1))).toBe(true);
    expect(k.isUsable(later(1000))).toBe(false);
    k.revoke(later(2));
    expect(k.isUsable(later(3))).toBe(false);
    expect(() => k.markUsed(later(3))).toThrow(InvalidStateError);
    k.activate(later(4));
    k.markUsed(later(5));
    expect(k.lastUsedAt).toEqual(later(5));
  });
});

describe('Tag', () => {
  it('refuses UUID names and unknown colors, picks a color when none is given', () => {
    const base = { id: 't', orgId: 'o', createdBy: OWNER, now: T0 };
    expect(() => Tag.create({ ...base, name: '123e4567-e89b-12d3-a456-426614174000' })).toThrow(
      'Tag names cannot be UUIDs.',
    );
    expect(() => Tag.create({ ...base, name: 'x', color: 'pink' })).toThrow(ValidationError);
    expect(Tag.create({ ...base, name: 'x', pickColor: () => 'teal' }).color).toBe('teal');
    expect(Tag.create({ ...base, name: ' prod ' }).name).toBe('prod');
  });
});
