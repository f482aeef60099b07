import { buildInsert } from '../src/connectors/destinations/postgres.js';
import { outputName } from '../src/connectors/destinations/filesystem.js';
import { int8, isoTimestamp } from '../src/connectors/pg/client.js';
import { quoteIdent, quoteTable } from '../src/connectors/pg/identifiers.js';
import { buildSourceQuery, CursorTracker } from '../src/connectors/sources/postgres.js';
import { uploadName } from '../src/connectors/sources/upload.js';
import { isInside } from '../src/connectors/file-root.js';
import { jsonataTruthy } from '../src/stages/filter.js';
import { ConnectorRegistry } from '@pipewright/engine';

describe('filter truthiness follows $boolean()', () => {
  it.each([
    [true, true],
    [false, false],
    [undefined, false],
    [null, false],
    [0, false],
    [2, true],
    ['', false],
    ['x', true],
    [[], false],
    [[false, 0], false],
    [[0, 1], true],
    [{}, false],
    [{ a: 1 }, true],
  ])('%p → %p', (value, expected) => expect(jsonataTruthy(value)).toBe(expected));
});

describe('postgres source helpers', () => {
  it('reads past the cursor in update-time order', () => {
    expect(buildSourceQuery({ table: 'public.t' }, 'updated_at', '2026-01-01T00:00:00+00:00')).toEqual({
      sql: 'SELECT * FROM (SELECT * FROM "public"."t") AS source_rows WHERE source_rows."updated_at" > $1 ORDER BY source_rows."updated_at"',
      params: ['2026-01-01T00:00:00+00:00'],
    });
    expect(buildSourceQuery({ query: 'select 1 as x;' }, null, null).sql).toBe(
      'SELECT * FROM (select 1 as x) AS source_rows',
    );
  });

  it('advances the cursor only past values whose rows were all read', () => {
    const t = new CursorTracker('u');
    expect(t.advance([{ u: 1 }, { u: 2 }, { u: 2 }])).toBe('1');
    expect(t.advance([{ u: 2 }, { u: 2 }])).toBeUndefined();
    expect(t.advance([{ u: 3 }, { u: null }])).toBe('2');
    expect(t.finish()).toBe('3');
    expect(t.finish()).toBeUndefined();
    expect(() => t.advance([{ other: 1 }])).toThrow(/no column "u"/);
  });

  it('keeps timestamps as ISO text with microseconds, int8 as numbers when exact', () => {
    expect(isoTimestamp('2026-01-02 03:04:05.123456+00')).toBe('2026-01-02T03:04:05.123456+00:00');
    expect(isoTimestamp('2026-01-02 03:04:05+05:30')).toBe('2026-01-02T03:04:05+05:30');
    expect(isoTimestamp('2026-01-02 03:04:05')).toBe('2026-01-02T03:04:05');
    expect(isoTimestamp('infinity')).toBe('infinity');
    expect(int8('42')).toBe(42);
    expect(int8('9223372036854775807')).toBe('9223372036854775807');
  });

  it('quotes only plain identifiers', () => {
    expect(quoteIdent('Mixed_1')).toBe('"Mixed_1"');
    expect(quoteTable('s.t')).toBe('"s"."t"');
    expect(() => quoteIdent('a"; drop')).toThrow();
    expect(() => quoteTable('a.b.c')).toThrow();
  });
});

describe('postgres destination statements', () => {
  const cols = [
    { name: 'id', json: false },
    { name: 'doc', json: true },
    { name: 'n', json: false },
  ];
  it('builds one multi-row insert; missing fields take their DEFAULT; JSON columns get JSON text', () => {
    expect(buildInsert('t', cols, [{ id: 1, doc: [1, 2], n: null }, { id: 2 }], null)).toEqual({
      text: 'INSERT INTO "t" ("id","doc","n") VALUES ($1,$2,$3),($4,DEFAULT,DEFAULT)',
      values: [1, '[1,2]', null, 2],
    });
  });
  it('upserts on the key columns', () => {
    expect(buildInsert('t', cols, [{ id: 1, doc: {}, n: 1 }], ['id']).text).toBe(
      'INSERT INTO "t" ("id","doc","n") VALUES ($1,$2,$3) ON CONFLICT ("id") DO UPDATE SET "doc" = EXCLUDED."doc", "n" = EXCLUDED."n"',
    );
    expect(buildInsert('t', [cols[0]!], [{ id: 1 }], ['id']).text).toBe(
      'INSERT INTO "t" ("id") VALUES ($1) ON CONFLICT ("id") DO NOTHING',
    );
  });
});

describe('file names', () => {
  it('names outputs after the input file, or the run', () => {
    expect(outputName({ name: 'a.csv', path: 'in/sub/a.csv' }, 'r1', 'json')).toBe('in/sub/a.json');
    expect(outputName(null, 'r1', 'ndjson')).toBe('r1.ndjson');
  });
  it('strips folders from uploaded names', () => {
    expect(uploadName('../../etc/passwd')).toBe('passwd');
    expect(uploadName('C:\\x\\y.csv')).toBe('y.csv');
    expect(uploadName('..')).toBe('upload');
  });
  it('knows what is inside a folder', () => {
    expect(isInside('/a/b', '/a/b')).toBe(true);
    expect(isInside('/a/b', '/a/b/c')).toBe(true);
    expect(isInside('/a/b', '/a/bc')).toBe(false);
    expect(isInside('/a/b', '/a')).toBe(false);
  });
});

describe('ConnectorRegistry', () => {
  it('lists connectors with their settings schema and refuses odd names', () => {
    const r = new ConnectorRegistry().registerHandler('h', (x) => x);
    expect(r.handlers()).toEqual(['h']);
    expect(() => r.registerHandler('bad name', (x) => x)).toThrow(/Invalid handler name/);
  });
});
