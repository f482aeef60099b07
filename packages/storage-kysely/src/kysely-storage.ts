import { UnavailableError, type Repositories, type Storage } from '@pipewright/core';
import { sql, type Kysely } from 'kysely';
import { ListGate, gateLists } from './list-gate.js';
import { createRepositories } from './repositories/index.js';
import type { Database } from './schema.js';

/**
 * The Storage port over a Kysely instance: repositories in autocommit mode, and a
 * transaction runner whose repositories share one transaction (the caller owns it).
 * `listsPerOrganization`: at most this many list queries of one organization at once for
 * requests (work in a query scope); see ListGate.
 */
export function kyselyStorage(db: Kysely<Database>, close: () => Promise<void>, options: { listsPerOrganization?: number } = {}): Storage {
  const repositories = createRepositories(db);
  return {
    ...(options.listsPerOrganization ? gateLists(repositories, new ListGate(options.listsPerOrganization)) : repositories),
    transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
      return db.transaction().execute((trx) => work(createRepositories(trx)));
    },
    async ping() {
      try {
        await sql`select 1`.execute(db);
      } catch (error) {
        throw new UnavailableError(`The database does not answer: ${(error as Error).message}`);
      }
    },
    close,
  };
}
