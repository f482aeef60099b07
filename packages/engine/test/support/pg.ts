import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** CI sets it; without it the Postgres tests cannot run (see the conditional describes). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A scratch database `pipewright_test_engine_<random>`, dropped by `drop()`. */
export async function createTestDatabase(): Promise<{
  url: string;
  query: (sql: string, params?: unknown[]) => Promise<pg.QueryResult>;
  drop: () => Promise<void>;
}> {
  const name = `pipewright_test_engine_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = withDatabase(TEST_DATABASE_URL!, name);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    url,
    query: (sql, params) => client.query(sql, params),
    async drop() {
      await client.end();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
