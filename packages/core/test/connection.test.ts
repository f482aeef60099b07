import { Connection, SECRET_MASK, ValidationError } from '@pipewright/core';

const now = new Date('2026-03-01T12:00:00Z');
const later = new Date('2026-03-01T13:00:00Z');

function pg(): Connection {
  return Connection.create({
    id: 'c1',
    seq: 1,
    orgId: 'o1',
    name: ' warehouse ',
    kind: 'postgres',
    settings: { host: 'db.internal', port: 5432 },
    sealedSecrets: { password: 'sealed-1' },
    by: 'u1',
    now,
  });
}

describe('Connection', () => {
  it('is created with a trimmed name, its settings and sealed secrets', () => {
    const c = pg();
    expect(c.name).toBe('warehouse');
    expect(c.settings).toEqual({ host: 'db.internal', port: 5432 });
    expect(c.secretFields).toEqual(['password']);
    expect(c.createdBy).toBe('u1');
  });

  it('refuses a missing name, a bad kind and settings that are not an object', () => {
    const bad = () =>
      Connection.create({
        id: 'c',
        seq: 1,
        orgId: 'o',
        name: '',
        kind: '9 bad',
        settings: [] as unknown as Record<string, unknown>,
        by: 'u',
        now,
      });
    expect(bad).toThrow(ValidationError);
    try {
      bad();
    } catch (e) {
      expect((e as ValidationError).issues.map((i) => i.field).sort()).toEqual(['kind', 'name', 'settings']);
    }
  });

  it('masks every secret field in its view, never showing a sealed value', () => {
    const view = pg().maskedSettings();
    expect(view).toEqual({ host: 'db.internal', port: 5432, password: SECRET_MASK });
    expect(JSON.stringify(view)).not.toContain('sealed-1');
  });

  it('rotates, keeps and removes secrets on reconfigure', () => {
    const c = pg();
    c.reconfigure({ host: 'db2' }, { token: 'sealed-t' }, 'u2', later);
    expect(c.secretFields).toEqual(['password', 'token']);
    expect(c.sealedSecrets.password).toBe('sealed-1');
    c.reconfigure({ host: 'db2' }, { password: 'sealed-2', token: null }, 'u2', later);
    expect(c.sealedSecrets).toEqual({ password: 'sealed-2' });
    expect(c.modifiedBy).toBe('u2');
    expect(c.updatedAt).toEqual(later);
  });

  it('restores a copy: changing the restored connection leaves the state it came from alone', () => {
    const state = pg().toState();
    const c = Connection.restore(state);
    c.rename('other', 'u', later);
    expect(state.name).toBe('warehouse');
    expect(() => c.rename('', 'u', later)).toThrow(ValidationError);
  });
});
