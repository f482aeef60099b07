import { sql } from 'kysely';
import { createTestStorage, type TestStorage } from '@pipewright/storage-kysely/testing';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { api, call, createWorkflow } from './unstract-support.js';

const describeOnPostgres = process.env.TEST_DATABASE_URL ? describe : describe.skip;

// Regression (issue 19): "Failed to clear file marker." (400) answered any failure that was not
// a core error, so a database lost mid-request became a 400. Storage now says UnavailableError: 503.
describeOnPostgres('unstract: the database lost while clearing a file marker', () => {
  let storage: TestStorage;
  let server: TestServer;

  beforeAll(async () => {
    storage = await createTestStorage({ backend: 'postgres' });
    server = await startTestServer({
      storage: {
        storage: storage.storage,
        db: storage.db,
        driver: storage.driver,
        migrate: storage.migrate,
        close: storage.cleanup,
      },
    });
  });
  afterAll(() => server.close());

  it('answers 503 in Unstract’s format, not 400, and works again once the database is back', async () => {
    const owner = await server.user();
    const wf = await createWorkflow(server, owner, 'outage-wf');
    const path = `${api(server.org.slug)}/workflow/${wf.id}/clear-file-marker/`;
    // The session running the delete is terminated by the server (SQLSTATE 57P01), as in a restart.
    await sql`create function lose_connection() returns trigger language plpgsql as $$ begin perform pg_terminate_backend(pg_backend_pid()); return null; end $$`.execute(
      storage.db,
    );
    await sql`create trigger lose_connection before delete on file_histories for each statement execute function lose_connection()`.execute(
      storage.db,
    );
    const lost = await call(server, 'GET', path, { as: owner });
    expect(lost.status).toBe(503);
    expect(lost.body).toEqual({
      type: 'server_error',
      errors: [{ code: 'error', detail: 'The database is unavailable; try again shortly.', attr: null }],
    });

    // The pool finds out a connection died only when it next uses it: a try or two may still fail, fast.
    const again = async <T>(work: () => Promise<T>, ok: (result: T) => boolean): Promise<T> => {
      let result: T | undefined;
      for (let i = 0; i < 5; i++) {
        result = await work().catch((e: unknown) => e as T);
        if (ok(result)) break;
      }
      return result!;
    };
    await again(
      () => sql`drop trigger if exists lose_connection on file_histories`.execute(storage.db),
      (r) => !(r instanceof Error),
    );
    const back = await again(
      () => call(server, 'GET', path, { as: owner }),
      (r) => r.status === 200,
    );
    expect({ status: back.status, body: back.body }).toEqual({
      status: 200,
      body: 'File marker cleared successfully.',
    });
  });
});
