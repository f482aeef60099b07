import { isUuid, MAX_SEQ, NotFoundError, OPEN_RUN_STATUSES } from '@pipewright/core';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../schema.js';
import { retryingConflicts } from '../transaction-retry.js';

/** The database handle repositories use: autocommit (Kysely) or one transaction. */
export type Db = Kysely<Database>;

/**
 * Runs several statements as one unit: inside the caller's transaction when there is
 * one, else in a transaction of their own (run again after a deadlock, as `Storage.transaction`).
 */
export function atomically<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : retryingConflicts(() => db.transaction().execute(work));
}

/** Reserves the next value of a sequence (created `as integer`, so ≤ 2^31-1). */
export async function nextValue(
  db: Db,
  sequence: 'organization_seq' | 'pipeline_seq' | 'run_seq' | 'connection_seq' | 'user_seq',
): Promise<number> {
  const { rows } = await sql<{ value: number }>`select nextval(${sequence})::int as value`.execute(db);
  return rows[0]!.value;
}

/** Ids that cannot be uuids match nothing; checking first keeps a cast error from aborting the caller's transaction. */
export const uuids = (ids: readonly string[]): string[] => [
  ...new Set(ids.filter(isUuid).map((id) => id.toLowerCase())),
];

export const isSeq = (seq: number): boolean => Number.isInteger(seq) && seq >= 1 && seq <= MAX_SEQ;

/** `('PENDING', 'EXECUTING', 'STOPPING')` as literals, so the planner matches the partial indexes. */
export const OPEN_STATUSES: RawBuilder<unknown> = sql`(${sql.join(OPEN_RUN_STATUSES.map((s) => sql.lit(s)))})`;

export { isUuid };

/**
 * A run's child row (log line, file execution) written after the run went with its pipeline:
 * dropped in autocommit (an executor still finishing a deleted run), NotFoundError inside a
 * transaction (which the failed statement has aborted anyway).
 */
export async function droppedForGoneRun(db: Db, write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (!db.isTransaction && error instanceof NotFoundError && error.entity === 'Run') return;
    throw error;
  }
}
