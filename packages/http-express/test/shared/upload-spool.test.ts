import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UploadBudget } from '../../src/shared/upload-budget.js';
import { UploadSpool } from '../../src/shared/upload-spool.js';

describe('UploadBudget', () => {
  it('counts bytes per organization up to the cap, and gives them back', () => {
    const budget = new UploadBudget(100);
    expect(budget.take('a', 60)).toBe(true);
    expect(budget.take('a', 41)).toBe(false);
    expect(budget.heldBy('a')).toBe(60);
    expect(budget.take('b', 100)).toBe(true);
    budget.give('a', 60);
    expect(budget.heldBy('a')).toBe(0);
    expect(budget.take('a', 100)).toBe(true);
  });
});

describe('UploadSpool', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pipewright-spool-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('sweeps the folders of processes that are gone (and its own pid’s) at open, and removes its own at close', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const leftovers = [`${dead}-abc123`, `${process.pid}-def456`];
    const kept = [`${process.ppid}-aaa111`, 'not-a-process-folder'];
    for (const name of [...leftovers, ...kept]) {
      await mkdir(join(dir, name));
      await writeFile(join(dir, name, 'file'), 'x');
    }
    const spool = new UploadSpool({ dir });
    await spool.open();
    expect((await readdir(dir)).sort()).toEqual([...kept, spool.folder.slice(dir.length + 1)].sort());
    await spool.close();
    expect((await readdir(dir)).sort()).toEqual([...kept].sort());
  });
});
