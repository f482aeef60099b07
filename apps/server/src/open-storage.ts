import type { Storage } from '@pipewright/core';
import { createKyselyStorage } from '@pipewright/storage-kysely';
import type { Kysely } from 'kysely';
import type { ServerConfig } from './config.js';

/** A storage with its lifecycle. */
export interface StorageHandle {
  storage: Storage;
  /** Brings the schema up to date (safe when several processes do it at once). */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** The SQL database behind the storage, when there is one (the scheduler keeps its ledger there). */
  db?: Kysely<any>;
  driver?: 'postgres' | 'pglite';
}

/** Postgres at DATABASE_URL, else embedded PGlite in the data folder (data survives restarts). */
export async function openStorage(config: ServerConfig): Promise<StorageHandle> {
  return createKyselyStorage(config.databaseUrl ? { url: config.databaseUrl } : { dataDir: `${config.dataDir}/pglite` });
}
