import { UnavailableError, type Repositories, type Storage } from '@pipewright/core';
import { sql, type Kysely } from 'kysely';
import { ListGate, gateLists } from './list-gate.js';
import { createRepositories } from './repositories/index.js';
import type { Database } from './schema.js';
import { retryingConflicts, type RetryOptions } from './transaction-retry.js';

/**
 * The Storage port over a Kysely instance: repositories in autocommit mode, and a
 * transaction runner whose repositories share one transaction (the caller owns it).
 * `listsPerOrganization`: at most this many list queries of one organization at once for
 * requests (work in a query scope); see ListGate. A transaction aborted for a deadlock or a
 * serialization failure runs again (`retryingConflicts`, `retry` tunes it); the database's
 * failures reach core translated (see `translatingDialect`).
 */
export function kyselyStorage(
  db: Kysely<Database>,
  close: () => Promise<void>,
  options: { listsPerOrganization?: number; retry?: RetryOptions } = {},
): Storage {
  const repositories = createRepositories(db);
  return {
    ...(options.listsPerOrganization
      ? gateLists(repositories, new ListGate(options.listsPerOrganization))
      : repositories),
    transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
      // The whole unit (BEGIN, work, COMMIT) again after a deadlock or serialization failure.
      return retryingConflicts(() => db.transaction().execute((trx) => work(createRepositories(trx))), options.retry);
    },
    async ping() {
      try {
        await sql`select 1`.execute(db);
      } catch (error) {
        throw new UnavailableError(`The database does not answer: ${(error as Error).message}`, { cause: error });
      }
    },
    close,
  };
}
