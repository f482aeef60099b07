import { createKyselyStorage, type KyselyStorageOptions } from '../create-kysely-storage.js';
import { migrateToLatest } from '../migrate.js';

/**
 * Where `migrate` works: DATABASE_URL (Postgres) wins; else PIPEWRIGHT_DATA_DIR (embedded
 * PGlite in `<dir>/pglite`, where the server keeps it). PIPEWRIGHT_DB_SCHEMA picks a schema.
 */
export function migrateTarget(env: NodeJS.ProcessEnv): { options: KyselyStorageOptions; where: string } {
  const schema = env.PIPEWRIGHT_DB_SCHEMA || undefined;
  if (env.DATABASE_URL)
    return { options: { url: env.DATABASE_URL, schema, poolSize: 1 }, where: 'Postgres at DATABASE_URL' };
  if (env.PIPEWRIGHT_DATA_DIR) {
    const dataDir = `${env.PIPEWRIGHT_DATA_DIR}/pglite`;
    return { options: { dataDir, schema }, where: `PGlite in ${dataDir}` };
  }
  throw new Error('Set DATABASE_URL (Postgres) or PIPEWRIGHT_DATA_DIR (embedded PGlite).');
}

/** Applies pending migrations and says what it did (one line). */
export async function runMigrate(env: NodeJS.ProcessEnv): Promise<string> {
  const { options, where } = migrateTarget(env);
  const handle = await createKyselyStorage(options);
  try {
    const applied = await migrateToLatest(handle.db, { schema: options.schema });
    return applied.length ? `Applied to ${where}: ${applied.join(', ')}` : `${where} is up to date.`;
  } finally {
    await handle.close();
  }
}
