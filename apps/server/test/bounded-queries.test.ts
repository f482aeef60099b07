import { createKyselyStorage } from '@pipewright/storage-kysely';
import { createTestDatabase, type TestDatabase } from '@pipewright/storage-kysely/testing';
import pg from 'pg';
import type { StorageHandle } from '../src/open-storage.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A server on a fresh Postgres database whose storage has this statement timeout (0: none). */
async function serverWithTimeout(statementTimeoutMs: number): Promise<{ server: TestServer; database: TestDatabase }> {
  const database = await createTestDatabase({ backend: 'postgres' });
  const handle = await createKyselyStorage({ ...database.options, statementTimeoutMs });
  const storage: StorageHandle = {
    storage: handle.storage,
    db: handle.db,
    driver: handle.driver,
    migrate: handle.migrate,
    close: async () => {
      await handle.close();
      await database.drop();
    },
  };
  return { server: await startTestServer({ storage }), database };
}

/**
 * Holds an ACCESS EXCLUSIVE lock on `table` from a connection of its own: every statement
 * reading the table waits (active in pg_stat_activity) until `release`, as a slow query would.
 */
async function lockTable(url: string, table: string): Promise<{ pid: number; release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
  await client.query('begin');
  await client.query(`lock table ${table} in access exclusive mode`);
  return {
    pid: rows[0]!.pid,
    release: async () => {
      await client.query('rollback');
      await client.end();
    },
  };
}

/** Statements of the database waiting for a lock, other than `except`'s. */
async function waiting(url: string, except: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      `select count(*) as n from pg_stat_activity where datname = current_database() and state = 'active' and wait_event_type = 'Lock' and pid not in ($1, pg_backend_pid())`,
      [except],
    );
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}

const TOO_LONG = expect.stringContaining('took too long');

(process.env.TEST_DATABASE_URL ? describe : describe.skip)('bounded queries over HTTP (Postgres)', () => {
  describe('a statement past the statement timeout', () => {
    let server: TestServer;
    let database: TestDatabase;
    beforeAll(async () => {
      ({ server, database } = await serverWithTimeout(500));
    }, 60_000);
    afterAll(() => server?.close());

    /** The answer to `path` while `table` is locked (the statement waits past the timeout). */
    async function whileLocked(table: string, path: string, auth: string) {
      const lock = await lockTable(database.url!, table);
      try {
        const started = Date.now();
        const res = await server.fetch(path, { auth });
        return {
          status: res.status,
          type: res.headers.get('content-type'),
          body: (await res.json()) as unknown,
          ms: Date.now() - started,
        };
      } finally {
        await lock.release();
      }
    }

    it('zenml: 503 {"detail": ["ServiceUnavailableError", …]}', async () => {
      const res = await whileLocked('pipelines', '/api/v1/pipelines?project=acme', server.admin.token);
      expect(res).toMatchObject({ status: 503, body: { detail: ['ServiceUnavailableError', TOO_LONG] } });
      expect(res.ms).toBeLessThan(5_000);
    });

    it('unstract: 503 server_error body', async () => {
      expect(await whileLocked('pipelines', '/api/v1/unstract/acme/pipeline/', server.admin.apiKey)).toMatchObject({
        status: 503,
        body: { type: 'server_error', errors: [{ code: 'error', detail: TOO_LONG, attr: null }] },
      });
    });

    it('meergo: 503 ServiceUnavailable', async () => {
      expect(await whileLocked('pipelines', '/v1/pipelines/1', server.admin.apiKey)).toMatchObject({
        status: 503,
        body: { error: { code: 'ServiceUnavailable', message: TOO_LONG } },
      });
    });

    it('flow: 503 {"status": "ERROR"}', async () => {
      expect(await whileLocked('pipelines', '/api/v1/flow/pipeline', server.admin.apiKey)).toMatchObject({
        status: 503,
        body: { status: 'ERROR', msg: TOO_LONG },
      });
    });

    it('native: 503 problem+json', async () => {
      expect(
        await whileLocked('connections', '/admin/api/v1/organizations/acme/connections', server.admin.apiKey),
      ).toMatchObject({
        status: 503,
        type: expect.stringContaining('application/problem+json'),
        body: { status: 503, code: 'UNAVAILABLE', detail: TOO_LONG },
      });
    });
  });

  describe('a client that goes away', () => {
    let server: TestServer;
    let database: TestDatabase;
    beforeAll(async () => {
      ({ server, database } = await serverWithTimeout(0));
    }, 60_000);
    afterAll(() => server?.close());

    it("gets its list request's statement cancelled in Postgres within a second", async () => {
      const lock = await lockTable(database.url!, 'pipelines');
      try {
        const controller = new AbortController();
        const request = server
          .fetch('/api/v1/pipelines?project=acme&name=contains:etl', {
            auth: server.admin.token,
            signal: controller.signal,
          })
          .catch((e: unknown) => e);
        const deadline = Date.now() + 5_000;
        while ((await waiting(database.url!, lock.pid)) === 0) {
          if (Date.now() > deadline) throw new Error('the list statement never started');
          await sleep(20);
        }
        controller.abort();
        expect(await request).toMatchObject({ name: 'AbortError' });
        const aborted = Date.now();
        while ((await waiting(database.url!, lock.pid)) > 0) {
          if (Date.now() - aborted > 1_000) throw new Error('the statement still runs a second after the client left');
          await sleep(20);
        }
      } finally {
        await lock.release();
      }
      // The server goes on serving.
      expect((await server.fetch('/api/v1/pipelines?project=acme', { auth: server.admin.token })).status).toBe(200);
    }, 30_000);
  });
});
