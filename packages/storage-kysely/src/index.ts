export { createKyselyStorage, type KyselyStorage, type KyselyStorageOptions } from './create-kysely-storage.js';
export { kyselyStorage } from './kysely-storage.js';
export { withQueryScope, querySignal } from './query-scope.js';
export { createRepositories } from './repositories/index.js';
export { PgliteDialect, type PgliteDialectConfig } from './dialects/pglite-dialect.js';
export { DataFolderInUseError } from './dialects/pglite-data-lock.js';
export { migrateToLatest, migrationStatus, MIGRATIONS, MIGRATION_TABLE, MIGRATION_LOCK_TABLE } from './migrate.js';
export type { Database } from './schema.js';
