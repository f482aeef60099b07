import { afterAll, describe, expect, it } from '@jest/globals';
import { DEFAULT_RETRY_POLICY } from '@pipewright/core';
import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { MIGRATION_LOCK_TABLE, MIGRATION_TABLE, MIGRATIONS, migrateToLatest } from '../src/migrate.js';
import { closeTestPglite, createTestDatabase, testServerUrl, type TestBackend } from '../src/testing.js';

const backends: TestBackend[] = (await testServerUrl()) ? ['pglite', 'postgres'] : ['pglite'];

afterAll(closeTestPglite);

describe.each(backends)('migration 20261125090000-run-retries on %s', (backend) => {
  it('gives pipelines and runs that existed before it the defaults: one attempt, no retry', async () => {
    const database = await createTestDatabase({ backend, migrate: false });
    const handle = await database.open();
    const schema = database.options.schema ?? 'public';
    try {
      // The schema as the initial migration left it, with one pipeline and one run in it.
      const initial = new Migrator({
        db: handle.db,
        provider: {
          getMigrations: async () => ({
            '20261123090000-initial-schema': MIGRATIONS['20261123090000-initial-schema']!,
          }),
        },
        migrationTableName: MIGRATION_TABLE,
        migrationLockTableName: MIGRATION_LOCK_TABLE,
        migrationTableSchema: schema,
      });
      expect((await initial.migrateToLatest()).error).toBeUndefined();
      const pipelineId = '20000000-0000-4000-8000-000000000001';
      const runId = '40000000-0000-4000-8000-000000000001';
      const org = '00000000-0000-4000-8000-000000000001';
      const wf = '30000000-0000-4000-8000-000000000001';
      await sql`insert into pipelines (id, seq, org_id, name, type, workflow_id, owner_id, shared_to_org, enabled, schedule_start, incremental, run_count, created_by, modified_by, created_at, updated_at)
                values (${pipelineId}, 1, ${org}, 'old', 'DEFAULT', ${wf}, ${org}, false, true, 0, false, 1, 'u', 'u', now(), now())`.execute(
        handle.db,
      );
      await sql`insert into runs (id, seq, org_id, pipeline_id, workflow_id, trigger, status, incremental, created_at, updated_at, stages, files)
                values (${runId}, 1, ${org}, ${pipelineId}, ${wf}, 'manual', 'COMPLETED', false, now(), now(), ${'{"passed":[0,0,0,0,0,0],"failed":[0,0,0,0,0,0]}'}, ${'{"total":0,"ok":0,"failed":0}'})`.execute(
        handle.db,
      );

      expect(await migrateToLatest(handle.db, { schema })).toContain('20261125090000-run-retries');
      expect((await handle.storage.pipelines.findById(pipelineId))!.retry.spec).toEqual(DEFAULT_RETRY_POLICY);
      expect((await handle.storage.runs.findById(runId))!.attempt).toBe(1);
    } finally {
      await handle.close();
      await database.drop();
    }
  });
});
