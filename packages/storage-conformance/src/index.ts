export { runStorageConformance } from './run-conformance.js';
export type { StorageFactory, SuiteContext } from './harness.js';
export { Fixtures, T0, adminView, at, unique, userView, uuid, type RunInput } from './fixtures.js';
