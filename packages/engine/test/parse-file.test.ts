import { formatOf, parseFile } from '@pipewright/engine';

const enc = (s: string) => new TextEncoder().encode(s);

describe('parseFile', () => {
  it('chooses the format by extension, then MIME type', () => {
    expect(formatOf('a.JSON')).toBe('json');
    expect(formatOf('a.jsonl')).toBe('ndjson');
    expect(formatOf('a.csv')).toBe('csv');
    expect(formatOf('upload', 'application/json; charset=utf-8')).toBe('json');
    expect(formatOf('a.txt', 'text/plain')).toBe('other');
  });

  it('reads a JSON array of objects, or one object', () => {
    expect(parseFile({ name: 'a.json' }, enc('[{"a":1},{"a":2},3]'))).toEqual({
      records: [{ a: 1 }, { a: 2 }],
      unreadable: ['item 2 is not a JSON object'],
    });
    expect(parseFile({ name: 'a.json' }, enc('\uFEFF{"a":1}')).records).toEqual([{ a: 1 }]);
    expect(() => parseFile({ name: 'a.json' }, enc('[{'))).toThrow(/invalid JSON/);
  });

  it('reads NDJSON line by line; a bad line is one unreadable record', () => {
    const parsed = parseFile({ name: 'a.ndjson' }, enc('{"a":1}\r\n\nnope\n[1]\n{"a":2}'));
    expect(parsed.records).toEqual([{ a: 1 }, { a: 2 }]);
    expect(parsed.unreadable).toHaveLength(2);
    expect(parsed.unreadable[0]).toMatch(/^line 3: invalid JSON/);
  });

  it('reads CSV with a header row; malformed rows are unreadable', () => {
    const parsed = parseFile({ name: 'a.csv' }, enc('\uFEFFid,name\n1,"Ada, Countess"\n2\n3,Bob\n'));
    expect(parsed.records).toEqual([
      { id: '1', name: 'Ada, Countess' },
      { id: '3', name: 'Bob' },
    ]);
    expect(parsed.unreadable).toHaveLength(1);
  });

  it('makes one record of any other file', () => {
    expect(parseFile({ name: 'x.txt', mimeType: 'text/plain' }, enc('hi')).records).toEqual([
      { fileName: 'x.txt', mimeType: 'text/plain', encoding: 'utf-8', content: 'hi' },
    ]);
    expect(parseFile({ name: 'x.bin' }, new Uint8Array([0xc3])).records[0]).toMatchObject({
      encoding: 'base64',
      content: 'ww==',
    });
  });

  it('refuses text files that are not UTF-8', () => {
    expect(() => parseFile({ name: 'a.csv' }, new Uint8Array([0x61, 0xff]))).toThrow(/UTF-8/);
  });
});
