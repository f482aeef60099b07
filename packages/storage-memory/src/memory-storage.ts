import type { Repositories, Storage } from '@pipewright/core';
import { Mutex } from './mutex.js';
import { createRepositories } from './repositories/index.js';
import { Sequences } from './sequences.js';
import { CopyOnWriteView, directWriter, emptyTables, runStatement, type Db, type Tables } from './tables.js';

/**
 * The in-memory store. A transaction works on a copy-on-write view that replaces the
 * committed tables on commit and is dropped on rollback; an autocommit write changes the
 * committed tables in place. Every read and write is synchronous, so an autocommit read
 * sees one committed state without waiting (read committed, as on Postgres). Writers take
 * turns on one mutex: a transaction holds it from start to end (which also makes every
 * row lock hold), and an autocommit write holds it for its one statement. Like a pool of one connection, a transaction must not await another
 * transaction or an autocommit write of the same storage: it would wait for itself.
 */
class MemoryStore {
  private committed: Tables = emptyTables();
  private readonly mutex = new Mutex();
  private closed = false;
  readonly sequences = new Sequences();

  /** Repositories' access outside a transaction. */
  readonly autocommit: Db = {
    read: () => {
      this.assertOpen();
      const state = this.committed;
      return { table: (name) => state[name] as never };
    },
    write: async (statement) => {
      this.assertOpen();
      const release = await this.mutex.lock();
      try {
        // No transaction is open while we hold the lock, so the statement may write in place.
        return runStatement(directWriter(this.committed), statement);
      } finally {
        release();
      }
    },
  };

  async transaction<T>(work: (db: Db) => Promise<T>): Promise<T> {
    this.assertOpen();
    const release = await this.mutex.lock();
    const view = new CopyOnWriteView(this.committed);
    let active = true;
    const assertActive = () => {
      if (!active) throw new Error('This transaction has already ended.');
    };
    const db: Db = {
      inTransaction: true,
      read: () => {
        assertActive();
        return view;
      },
      write: async (statement) => {
        assertActive();
        return runStatement(view, statement);
      },
    };
    try {
      const result = await work(db);
      this.committed = view.snapshot();
      return result;
    } finally {
      active = false;
      release();
    }
  }

  close(): void {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The memory storage is closed.');
  }
}

/**
 * A complete Storage kept in process memory: the reference adapter for tests, demos and
 * embedding. It follows the storage semantics the conformance kit checks.
 */
export function createMemoryStorage(): Storage {
  const store = new MemoryStore();
  const repositories = createRepositories(store.autocommit, store.sequences);
  return {
    ...repositories,
    transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
      return store.transaction((db) => work(createRepositories(db, store.sequences)));
    },
    async ping() {},
    async close() {
      store.close();
    },
  };
}
