import { parseFileStream, type ParsedFile } from '@pipewright/engine';

const enc = (s: string) => new TextEncoder().encode(s);

/** The bytes of `text` in chunks of `size` bytes (splitting characters and lines anywhere). */
async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function all(name: string, bytes: Uint8Array, chunkSize: number, batchSize = 2): Promise<ParsedFile[]> {
  const out: ParsedFile[] = [];
  for await (const batch of parseFileStream({ name }, chunks(bytes, chunkSize), batchSize)) out.push(batch);
  return out;
}

describe('parseFileStream', () => {
  it('parses NDJSON in batches as chunks arrive, whatever the chunk boundaries', async () => {
    const text = '{"a":"é"}\r\n\nnope\n{"a":2}\n{"a":3}';
    for (const size of [1, 3, 7, 1000]) {
      const batches = await all('x.ndjson', enc(text), size);
      expect(batches.flatMap((b) => b.records)).toEqual([{ a: 'é' }, { a: 2 }, { a: 3 }]);
      expect(batches.every((b) => b.records.length <= 2)).toBe(true);
      expect(batches.flatMap((b) => b.unreadable)).toEqual([expect.stringMatching(/^line 3: invalid JSON/)]);
    }
  });

  it('parses CSV in batches; malformed rows are unreadable, text that is not UTF-8 throws', async () => {
    const batches = await all('x.csv', enc('\uFEFFid,name\n1,"Ada, Countess"\n2\n3,Bob\n4,Cy\n'), 5);
    expect(batches.map((b) => b.records)).toEqual([
      [
        { id: '1', name: 'Ada, Countess' },
        { id: '3', name: 'Bob' },
      ],
      [{ id: '4', name: 'Cy' }],
    ]);
    expect(batches.flatMap((b) => b.unreadable)).toHaveLength(1);
    // As the whole-file parser: an unclosed quote at the end is one unreadable row.
    expect(await all('x.csv', enc('id\n"unclosed\n'), 4)).toEqual([
      { records: [], unreadable: [expect.stringMatching(/Quote Not Closed/)] },
    ]);
    await expect(all('x.csv', new Uint8Array([0x61, 0x0a, 0xff]), 1)).rejects.toThrow(/UTF-8/);
  });

  it('reads JSON and other files whole, then batches them; an empty file is one empty batch', async () => {
    expect(await all('x.json', enc('[{"a":1},{"a":2},{"a":3}]'), 4)).toEqual([
      { records: [{ a: 1 }, { a: 2 }], unreadable: [] },
      { records: [{ a: 3 }], unreadable: [] },
    ]);
    expect(await all('x.txt', enc('hi'), 1)).toEqual([
      { records: [{ fileName: 'x.txt', mimeType: null, encoding: 'utf-8', content: 'hi' }], unreadable: [] },
    ]);
    expect(await all('x.ndjson', enc(''), 1)).toEqual([{ records: [], unreadable: [] }]);
    expect(await all('x.csv', enc(''), 1)).toEqual([{ records: [], unreadable: [] }]);
  });
});
