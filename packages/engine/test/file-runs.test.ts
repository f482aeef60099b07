import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { uploadedBytes } from '@pipewright/engine';
import { engineWorld, type EngineWorld } from './support/harness.js';

const page = { page: 1, size: 100 };

describe('file-based runs on a real folder', () => {
  /** The server's file root. */
  let base: string;
  /** The organization's own folder in it (`acme`): all its filesystem connectors see. */
  let root: string;
  let w: EngineWorld;

  beforeEach(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'pipewright-engine-'));
    root = path.join(base, 'acme');
    await mkdir(path.join(root, 'in', 'more'), { recursive: true });
    w = await engineWorld({ fileRoot: base });
  });
  afterEach(async () => {
    await w.close();
    await rm(base, { recursive: true, force: true });
  });

  const folderWorkflow = (extra: { maxFileExecutionCount?: number } = {}, format = 'json') =>
    w.workflow(
      {
        source: { connector: 'filesystem', settings: { path: 'in', glob: '**/*.{json,ndjson,csv}' } },
        // CSV values are strings: compare as numbers.
        stages: { filter: '$number(qty) > 0', transformation: '{"sku": $uppercase(sku), "qty": $number(qty)}' },
        destination: { connector: 'filesystem', settings: { path: 'out', format } },
      },
      extra,
    );

  it('reads JSON, NDJSON and CSV files, filters and transforms, and writes a JSON file per input file', async () => {
    await writeFile(
      path.join(root, 'in', 'a.json'),
      JSON.stringify([{ sku: 'a1', qty: 2 }, { sku: 'a2', qty: 0 }, 'junk']),
    );
    await writeFile(
      path.join(root, 'in', 'more', 'b.ndjson'),
      '{"sku":"b1","qty":1}\n{broken\n\n{"sku":"b2","qty":5}\n',
    );
    await writeFile(path.join(root, 'in', 'c.csv'), 'sku,qty\nc1,3\nc2,0\nc3,7\n');
    await writeFile(path.join(root, 'in', 'ignored.txt'), 'not selected by the glob');
    await writeFile(path.join(root, 'in', '.hidden.json'), '[{"sku":"h","qty":1}]');

    const run = await w.run(await w.pipeline(await folderWorkflow()));
    expect(run.status).toBe('COMPLETED');
    // Read: a.json 2 (+1 unreadable), b.ndjson 2 (+1 unreadable), c.csv 3. Filtered: a2, c2.
    expect(run.stages).toEqual({ passed: [7, 7, 5, 5, 5, 5], failed: [2, 0, 2, 0, 0, 0] });
    // Unreadable records mean the file is retried next time: a.json and b.ndjson are ERROR.
    expect(run.files).toEqual({ total: 3, ok: 1, failed: 2 });

    expect(JSON.parse(await readFile(path.join(root, 'out', 'in', 'a.json'), 'utf8'))).toEqual([{ sku: 'A1', qty: 2 }]);
    expect(JSON.parse(await readFile(path.join(root, 'out', 'in', 'more', 'b.json'), 'utf8'))).toEqual([
      { sku: 'B1', qty: 1 },
      { sku: 'B2', qty: 5 },
    ]);
    expect(JSON.parse(await readFile(path.join(root, 'out', 'in', 'c.json'), 'utf8'))).toEqual([
      { sku: 'C1', qty: 3 },
      { sku: 'C3', qty: 7 },
    ]);
    expect((await readdir(path.join(root, 'out', 'in'))).sort()).toEqual(['a.json', 'c.json', 'more']);

    const executions = await w.storage.fileExecutions.listByRun(run.id, page);
    expect(executions.items.map((e) => [e.filePath, e.status])).toEqual([
      ['in/a.json', 'ERROR'],
      ['in/c.csv', 'COMPLETED'],
      ['in/more/b.ndjson', 'ERROR'],
    ]);
    expect(executions.items[0]!.cacheKey).toMatch(/^[0-9a-f]{64}$/);
    expect(executions.items[0]!.error).toContain('not a JSON object');
    const fileLogs = await w.core.runs.logs(w.member, run.id, { fileExecutionId: executions.items[1]!.id }, page);
    expect(fileLogs.items.length).toBeGreaterThan(0);
  });

  it('writes NDJSON, one file per input file', async () => {
    await writeFile(path.join(root, 'in', 'a.csv'), 'sku,qty\nx,1\ny,2\n');
    const run = await w.run(await w.pipeline(await folderWorkflow({}, 'ndjson')));
    expect(run.stages.passed[5]).toBe(2);
    expect(await readFile(path.join(root, 'out', 'in', 'a.ndjson'), 'utf8')).toBe(
      '{"sku":"X","qty":1}\n{"sku":"Y","qty":2}\n',
    );
  });

  it('skips files COMPLETED before (same content and path); a changed file runs again; clear-file-marker resets', async () => {
    await writeFile(path.join(root, 'in', 'a.csv'), 'sku,qty\nx,1\n');
    const wf = await folderWorkflow();
    const p = await w.pipeline(wf);
    expect((await w.run(p)).stages.passed[0]).toBe(1);

    const second = await w.run(p);
    expect(second.stages.passed).toEqual([0, 0, 0, 0, 0, 0]);
    expect(second.files.total).toBe(0);
    const skipped = await w.storage.fileExecutions.listByRun(second.id, page);
    expect(skipped.items.map((e) => e.status)).toEqual(['SKIPPED']);

    await writeFile(path.join(root, 'in', 'a.csv'), 'sku,qty\nx,1\nz,4\n');
    expect((await w.run(p)).stages.passed[0]).toBe(2);

    const history = await w.core.fileHistories.list(w.member, wf, { filters: [], logical: 'and', sort: [], page });
    expect(history.items).toHaveLength(2);
    expect(history.items.every((h) => h.status === 'COMPLETED' && h.executionCount === 1)).toBe(true);

    expect(await w.core.fileHistories.clearAll(w.member, wf)).toBe(2);
    expect((await w.run(p)).stages.passed[0]).toBe(2);
  });

  it('ETL runs stop retrying a failing file after maxFileExecutionCount; bulk clear lets it run again', async () => {
    await writeFile(path.join(root, 'in', 'bad.json'), '{ not json');
    const wf = await folderWorkflow({ maxFileExecutionCount: 2 });
    const p = await w.pipeline(wf, { type: 'ETL' });
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await w.run(p));
    expect(runs.map((r) => r.files)).toEqual([
      { total: 1, ok: 0, failed: 1 },
      { total: 1, ok: 0, failed: 1 },
      { total: 0, ok: 0, failed: 0 },
    ]);
    expect(runs[0]!.stages.failed[0]).toBe(1);
    const [h] = (await w.core.fileHistories.list(w.member, wf, { filters: [], logical: 'and', sort: [], page })).items;
    expect(h).toMatchObject({ status: 'ERROR', executionCount: 2 });
    expect(h!.toState().error).toContain('invalid JSON');

    // A DEFAULT pipeline on the same workflow is not limited.
    expect((await w.run(await w.pipeline(wf))).files.total).toBe(1);

    const deleted = await w.core.fileHistories.clear(w.member, wf, [{ field: 'status', op: 'equals', value: 'ERROR' }]);
    expect(deleted).toBe(1);
    expect((await w.run(p)).files.total).toBe(1);
  });

  it('ends the run as ERROR when the folder leads outside the root through a symlink', async () => {
    const outside = await mkdtemp(path.join(tmpdir(), 'pipewright-outside-'));
    try {
      await writeFile(path.join(outside, 'secret.json'), '[{"qty": 1}]');
      const wf = await folderWorkflow();
      // Saved while "in" was a real folder; replaced by a symlink afterwards.
      await rm(path.join(root, 'in'), { recursive: true });
      await symlink(outside, path.join(root, 'in'));
      const run = await w.run(await w.pipeline(wf));
      expect(run.status).toBe('ERROR');
      expect(run.error).toMatch(/^source "filesystem" failed: Leads outside the file root/);
      expect(run.stages.passed[0]).toBe(0);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('does not follow a symlinked file that points outside the root', async () => {
    const outside = await mkdtemp(path.join(tmpdir(), 'pipewright-outside-'));
    try {
      await writeFile(path.join(outside, 'secret.json'), '[{"sku":"s","qty": 1}]');
      await symlink(path.join(outside, 'secret.json'), path.join(root, 'in', 'link.json'));
      await writeFile(path.join(root, 'in', 'ok.json'), '[{"sku":"o","qty": 1}]');
      const run = await w.run(await w.pipeline(await folderWorkflow()));
      expect(run.stages.passed[0]).toBe(1);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});

describe('upload runs', () => {
  let w: EngineWorld;
  beforeEach(async () => {
    w = await engineWorld();
  });
  afterEach(() => w.close());

  const enc = (s: string) => new TextEncoder().encode(s);

  it('runs the files posted with the execute request', async () => {
    const seen: unknown[] = [];
    w.executor.registry.registerDestination({
      name: 'memory',
      description: 'test',
      settingsSchema: { type: 'object' },
      async open() {
        return {
          write: async (records, file) => (seen.push(...records.map((r) => ({ file: file?.path, r }))), { failed: [] }),
          close: async () => {},
        };
      },
    });
    const wf = await w.workflow({
      source: { connector: 'upload', settings: {} },
      stages: { inputSchema: { type: 'object', required: ['id'] }, transformation: '$merge([$, {"ok": true}])' },
      destination: { connector: 'memory', settings: {} },
    });
    const run = await w.core.runs.triggerWorkflow(w.member, wf, {
      files: [
        uploadedBytes('people.csv', enc('id,name\n1,Ada\n2,Bob\n'), 'text/csv'),
        uploadedBytes('../../etc/data', enc('[{"id":3},{"name":"no id"}]'), 'application/json'),
        uploadedBytes('note.txt', enc('hello')),
      ],
    });
    await w.executor.settled(run.id);
    const ended = await w.core.runs.get(w.member, run.id);
    expect(ended.status).toBe('COMPLETED');
    // Read: 2 CSV rows, 2 JSON items, note.txt as one record; no "id": the second item and the note.
    expect(ended.stages).toEqual({ passed: [5, 3, 3, 3, 3, 3], failed: [0, 2, 0, 0, 0, 0] });
    expect(ended.files).toEqual({ total: 3, ok: 3, failed: 0 });
    expect(seen).toEqual([
      { file: 'people.csv', r: { id: '1', name: 'Ada', ok: true } },
      { file: 'people.csv', r: { id: '2', name: 'Bob', ok: true } },
      { file: 'data', r: { id: 3, ok: true } },
    ]);
    // No file history for uploads unless the workflow asks for it.
    const history = await w.core.fileHistories.list(w.member, wf, { filters: [], logical: 'and', sort: [], page });
    expect(history.total).toBe(0);
  });

  it('turns a file of another type into one record {fileName, content}, and keeps history when asked', async () => {
    const seen: unknown[] = [];
    w.executor.registry.registerHandler('collect', (r) => (seen.push(r), r));
    const wf = await w.workflow({
      source: { connector: 'upload', settings: { useFileHistory: true } },
      stages: { transformation: { handler: 'collect' } },
    });
    const p = await w.pipeline(wf);
    const files = [
      uploadedBytes('note.txt', enc('hello'), 'text/plain'),
      uploadedBytes('blob.bin', new Uint8Array([0xff, 0x00, 0xfe])),
    ];
    const run = await w.run(p, { files });
    expect(run.stages.passed).toEqual([2, 2, 2, 2, 2, 2]);
    expect(seen).toEqual([
      { fileName: 'note.txt', mimeType: 'text/plain', encoding: 'utf-8', content: 'hello' },
      { fileName: 'blob.bin', mimeType: null, encoding: 'base64', content: '/wD+' },
    ]);
    expect((await w.run(p, { files })).files.total).toBe(0);
  });
});
