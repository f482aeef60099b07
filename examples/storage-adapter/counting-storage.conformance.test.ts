// Run with `npx pipewright-conformance`: the whole kit against the adapter, one fresh storage per area.
import { runStorageConformance } from '@pipewright/storage-conformance';
import { createMemoryStorage } from '@pipewright/storage-memory';
import { CountingStorage } from './counting-storage.js';

runStorageConformance('counting', async () => ({ storage: new CountingStorage(createMemoryStorage()) }));
