import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import pg from 'pg';
import { migrateScheduler } from '../../src/migrate.js';
import { pgListener, type ScheduleListener } from '../../src/pg-listen.js';

/** Set in CI; without it only the PGlite half of the suites runs. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;

/** A database for one suite; every `connect()` is a separate client (own pool), like a separate process. */
export interface TestDatabase {
  name: string;
  connect(): { db: Kysely<any>; listen?: ScheduleListener };
  close(): Promise<void>;
}

/** Creates `pipewright_test_sched_<random>` on the TEST_DATABASE_URL server; dropped by close(). */
export async function createPostgresDatabase(): Promise<TestDatabase & { url: string }> {
  const name = `pipewright_test_sched_${randomBytes(5).toString('hex')}`;
  if (!name.includes('test')) throw new Error('refusing to touch a non-test database');
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL!);
  url.pathname = `/${name}`;
  const opened: { db: Kysely<any>; pool: pg.Pool }[] = [];
  const connect = () => {
    const pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
    // close() drops the database WITH (FORCE); an idle client it terminates is not a test failure.
    pool.on('error', () => {});
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
    opened.push({ db, pool });
    return { db, listen: pgListener(pool) };
  };
  await migrateScheduler(connect().db);
  return {
    name: 'postgres',
    url: url.toString(),
    connect,
    async close() {
      // Kysely's destroy ends the pool.
      await Promise.all(opened.map((o) => o.db.destroy().catch(() => {})));
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** An in-memory PGlite database; every `connect()` shares its one connection. */
export async function createPgliteDatabase(): Promise<TestDatabase> {
  const pglite = new PGlite();
  const db = new Kysely<any>({ dialect: new PGliteDialect({ pglite }) });
  await migrateScheduler(db);
  return {
    name: 'pglite',
    connect: () => ({ db }),
    close: () => db.destroy(),
  };
}

/**
 * The backends a suite runs on: PGlite always, Postgres when TEST_DATABASE_URL is set
 * (CI sets it; a developer machine may have no Postgres).
 */
export const BACKENDS: [string, () => Promise<TestDatabase>][] = [
  ['pglite', createPgliteDatabase],
  ...(TEST_DATABASE_URL ? [['postgres', createPostgresDatabase] as [string, () => Promise<TestDatabase>]] : []),
];
