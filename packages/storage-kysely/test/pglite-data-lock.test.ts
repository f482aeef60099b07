import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { createKyselyStorage } from '../src/create-kysely-storage.js';
import { DataFolderInUseError, lockDataFolder } from '../src/dialects/pglite-data-lock.js';

/** Two processes on one PGlite folder lose each other's writes: the second must be refused. */
describe('PGlite data folder lock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pipewright-lock-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a second storage on the same folder is refused while the first is open, and allowed after close', async () => {
    const dataDir = join(dir, 'pglite');
    const first = await createKyselyStorage({ dataDir, maintenanceIntervalMs: 0 });
    expect(JSON.parse(readFileSync(`${dataDir}.lock`, 'utf8'))).toEqual({ pid: process.pid, host: hostname() });
    await expect(createKyselyStorage({ dataDir })).rejects.toThrow(DataFolderInUseError);
    await first.close();
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
    const second = await createKyselyStorage({ dataDir, maintenanceIntervalMs: 0 });
    await second.close();
  }, 60_000);

  it('a lock held by another live process names it; one left by a dead process is taken over', async () => {
    const dataDir = join(dir, 'other');
    const holder = spawn('sleep', ['30']);
    try {
      writeFileSync(`${dataDir}.lock`, JSON.stringify({ pid: holder.pid, host: hostname() }));
      expect(() => lockDataFolder(dataDir)).toThrow(`in use by process ${holder.pid}`);
    } finally {
      holder.kill();
    }
    await new Promise((resolve) => holder.once('exit', resolve));
    const release = lockDataFolder(dataDir);
    expect(JSON.parse(readFileSync(`${dataDir}.lock`, 'utf8')).pid).toBe(process.pid);
    release();
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  });
});
