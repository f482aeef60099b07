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

/**
 * Postgres at DATABASE_URL, else embedded PGlite in the data folder (data survives restarts).
 * On Postgres every statement of the pool (requests, and the short run-lifecycle and scheduler
 * statements alike) is bounded by the statement timeout; migrations run without it, and the run
 * queue (pg-boss) and the schedule listener have connections of their own. PGlite cannot enforce one
 * (and has one session: the per-organization list limit would add nothing there).
 */
export async function openStorage(
  config: Pick<ServerConfig, 'databaseUrl' | 'dataDir'> &
    Partial<Pick<ServerConfig, 'statementTimeoutMs' | 'listsPerOrganization'>>,
): Promise<StorageHandle> {
  if (!config.databaseUrl) return createKyselyStorage({ dataDir: `${config.dataDir}/pglite` });
  return createKyselyStorage({
    url: config.databaseUrl,
    statementTimeoutMs: config.statementTimeoutMs ?? 0,
    listsPerOrganization: config.listsPerOrganization ?? 0,
  });
}
