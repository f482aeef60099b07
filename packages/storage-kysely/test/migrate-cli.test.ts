import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { migrateTarget, runMigrate } from '../src/cli/migrate-command.js';
import { MIGRATIONS } from '../src/migrate.js';

describe('the migrate command', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pipewright-migrate-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('prefers DATABASE_URL, else the data folder, else says what to set', () => {
    expect(migrateTarget({ DATABASE_URL: 'postgres://h/db_test', PIPEWRIGHT_DATA_DIR: dir }).options.url).toBe(
      'postgres://h/db_test',
    );
    expect(migrateTarget({ PIPEWRIGHT_DATA_DIR: dir }).options.dataDir).toBe(`${dir}/pglite`);
    expect(() => migrateTarget({})).toThrow(/DATABASE_URL/);
  });

  it('migrates an embedded data folder, then finds it up to date', async () => {
    expect(await runMigrate({ PIPEWRIGHT_DATA_DIR: dir })).toMatch(
      new RegExp(`^Applied to PGlite in .*: ${Object.keys(MIGRATIONS).join(', ')}$`),
    );
    expect(await runMigrate({ PIPEWRIGHT_DATA_DIR: dir })).toMatch(/is up to date\.$/);
  }, 60_000);
});
