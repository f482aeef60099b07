// Every server test file: its in-memory PGlite (the storage of HTTP tests without
// TEST_DATABASE_URL) is closed after its tests, once the last server on it has closed.
import { afterAll } from '@jest/globals';
import { closeTestPglite } from '@pipewright/storage-kysely/testing';

afterAll(closeTestPglite);
