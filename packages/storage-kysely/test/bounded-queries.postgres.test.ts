import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { UnavailableError } from '@pipewright/core';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { createKyselyStorage } from '../src/create-kysely-storage.js';
import { ABANDONED_MESSAGE, STATEMENT_TIMEOUT_MESSAGE } from '../src/errors.js';
import { withQueryScope } from '../src/query-scope.js';
import { createTestDatabase, testServerUrl, type TestDatabase } from '../src/testing.js';

const server = await testServerUrl();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether a statement containing `marker` is running on the server (seen from another connection). */
async function running(url: string, marker: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `select 1 from pg_stat_activity where state = 'active' and query like '%' || $1 || '%' and pid <> pg_backend_pid()`,
      [marker],
    );
    return rows.length > 0;
  } finally {
    await client.end();
  }
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await sleep(20);
  }
  return Date.now() - start;
}

const slow = (db: Kysely<any>, marker: string, seconds = 5) =>
  sql.raw(`select pg_sleep(${seconds}) /* ${marker} */`).execute(db);

(server ? describe : describe.skip)('bounded queries on Postgres', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase({ backend: 'postgres', migrate: false });
  }, 60_000);
  afterAll(async () => database?.drop());

  it('migrates without the statement timeout, then cuts longer statements with UnavailableError', async () => {
    // 1 ms: any migration statement would be cancelled if the timeout applied to it.
    const handle = await createKyselyStorage({ ...database.options, statementTimeoutMs: 1 });
    try {
      await handle.migrate();
      const error = await slow(handle.db, 'timeout-test', 1).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnavailableError);
      expect((error as Error).message).toBe(STATEMENT_TIMEOUT_MESSAGE);
      expect((error as { cause?: { code?: string } }).cause?.code).toBe('57014');
    } finally {
      await handle.close();
    }
  }, 60_000);

  it('cancels the statement of a query scope on the server when its signal aborts', async () => {
    const handle = await createKyselyStorage(database.options);
    try {
      const controller = new AbortController();
      const marker = `scope-${Date.now()}`;
      const query = withQueryScope(controller.signal, () => slow(handle.db, marker)).catch((e: unknown) => e);
      await until(() => running(database.url!, marker), 3_000);
      const aborted = Date.now();
      controller.abort();
      const error = await query;
      expect(error).toBeInstanceOf(UnavailableError);
      expect((error as Error).message).toBe(ABANDONED_MESSAGE);
      expect(Date.now() - aborted).toBeLessThan(1_000);
      expect(await running(database.url!, marker)).toBe(false);
      // The connection that ran it serves the next statement normally.
      const { rows } = await sql<{ n: number }>`select 1 as n`.execute(handle.db);
      expect(rows).toEqual([{ n: 1 }]);
    } finally {
      await handle.close();
    }
  }, 30_000);

  it('leaves statements outside a scope, and those of a scope that did not abort, alone', async () => {
    const handle = await createKyselyStorage(database.options);
    try {
      const controller = new AbortController();
      const marker = `unscoped-${Date.now()}`;
      const unscoped = slow(handle.db, marker, 1);
      const scoped = withQueryScope(controller.signal, () => slow(handle.db, `${marker}-scoped`, 1));
      await until(() => running(database.url!, marker), 3_000);
      await expect(Promise.all([unscoped, scoped])).resolves.toHaveLength(2);
      // An abort after the statement ended cancels nothing (the connection is idle or busy elsewhere).
      controller.abort();
      await expect(slow(handle.db, `${marker}-after`, 0.2)).resolves.toBeDefined();
    } finally {
      await handle.close();
    }
  }, 30_000);
});
