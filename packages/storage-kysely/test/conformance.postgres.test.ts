import { describe } from '@jest/globals';
import { runStorageConformance } from '@pipewright/storage-conformance';
import { createTestStorage, testServerUrl } from '../src/testing.js';

// Needs a Postgres server: TEST_DATABASE_URL (CI sets it) or Docker with testcontainers.
// Without one the block is reported as skipped; conformance.pglite.test.ts still runs the kit.
const server = await testServerUrl();

(server ? describe : describe.skip)('on Postgres', () => {
  // Every describe block of the kit gets its own fresh pipewright_test_* database.
  runStorageConformance('kysely (Postgres)', async () => {
    const test = await createTestStorage({ backend: 'postgres' });
    return { storage: test.storage, cleanup: test.cleanup };
  });
});
