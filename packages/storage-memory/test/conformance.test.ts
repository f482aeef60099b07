import { runStorageConformance } from '@pipewright/storage-conformance';
import { createMemoryStorage } from '@pipewright/storage-memory';

runStorageConformance('memory', async () => ({ storage: createMemoryStorage() }));
