import { afterAll } from '@jest/globals';
import { runStorageConformance } from '@pipewright/storage-conformance';
import { closeTestPglite, createTestStorage } from '../src/testing.js';

// Every describe block of the kit gets a fresh schema in this file's in-memory PGlite.
runStorageConformance('kysely (PGlite)', async () => {
  const test = await createTestStorage({ backend: 'pglite' });
  return { storage: test.storage, cleanup: test.cleanup };
});

afterAll(closeTestPglite);
