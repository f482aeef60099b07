import type { Storage } from '@pipewright/core';
import type { ServerConfig } from './config.js';

/** A storage with its lifecycle. */
export interface StorageHandle {
  storage: Storage;
  /** Brings the schema up to date (safe when several processes do it at once). */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

/** Postgres at DATABASE_URL, else embedded PGlite in the data folder (data survives restarts). */
export async function openStorage(config: ServerConfig): Promise<StorageHandle> {
  const kysely = await import('@pipewright/storage-kysely');
  const factory = (kysely as unknown as { createKyselyStorage?: (o: object) => Promise<StorageHandle> | StorageHandle }).createKyselyStorage;
  if (!factory) throw new Error('@pipewright/storage-kysely does not export createKyselyStorage');
  return factory(config.databaseUrl ? { url: config.databaseUrl } : { dataDir: `${config.dataDir}/pglite` });
}
