import { createHash, randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import pg from 'pg';
import { createKyselyStorage, type KyselyStorage, type KyselyStorageOptions } from './create-kysely-storage.js';
import { PgliteDialect } from './dialects/pglite-dialect.js';
import { MIGRATIONS } from './migrate.js';

/**
 * Test databases for any package's tests (`@pipewright/storage-kysely/testing`).
 *
 * Which server: TEST_DATABASE_URL when set (CI and the dev machines: a local Postgres);
 * else a throwaway Postgres container when a Docker engine answers and the optional
 * `testcontainers` package is installed (it is not a dependency: `npm i -D testcontainers`
 * to use it); else embedded PGlite in memory.
 *
 * Isolation: on Postgres every test database is a fresh `pipewright_test_<random>`
 * database, dropped afterwards (the server's own database is only used to CREATE and
 * DROP it); a migrated one is cloned from a template migrated once per set of migrations
 * (`pipewright_test_tmpl_<hash>`), which is much cheaper than migrating each from empty;
 * on PGlite one in-memory instance per test file holds a fresh schema per
 * test database. Nothing here ever creates, migrates or drops a database whose name
 * lacks "test".
 */

export type TestBackend = 'postgres' | 'pglite';

export interface TestDatabase {
  backend: TestBackend;
  /** Connection string of the fresh database (Postgres only), e.g. for a server process. */
  url: string | null;
  /** Options that open this database with `createKyselyStorage`. */
  options: KyselyStorageOptions;
  /** Opens a storage on it (each call its own pool). */
  open(): Promise<KyselyStorage>;
  /** Drops the database (Postgres) or schema (PGlite). Close what `open()` gave first. */
  drop(): Promise<void>;
}

export interface TestStorage extends KyselyStorage {
  backend: TestBackend;
  database: TestDatabase;
  /** Closes the storage and drops its database. */
  cleanup(): Promise<void>;
}

/** Throws unless the name says it is a test database. */
export function assertTestDatabaseName(name: string): void {
  if (!name.toLowerCase().includes('test'))
    throw new Error(`Refusing to touch database "${name}": its name does not contain "test".`);
}

const freshName = () => `pipewright_test_${randomBytes(6).toString('hex')}`;

// ---- Postgres server: TEST_DATABASE_URL, else testcontainers ----

let containerUrl: Promise<string | null> | undefined;

/** A Postgres container's admin URL when Docker answers and `testcontainers` is installed; null otherwise. */
function startContainer(): Promise<string | null> {
  containerUrl ??= (async () => {
    try {
      const moduleName = 'testcontainers';
      const tc = (await import(moduleName)) as {
        GenericContainer: new (image: string) => any;
        Wait: { forLogMessage(message: RegExp, times: number): unknown };
      };
      const container = await new tc.GenericContainer('postgres:16-alpine')
        .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
        .withExposedPorts(5432)
        .withWaitStrategy(tc.Wait.forLogMessage(/database system is ready to accept connections/, 2))
        .start();
      // The container stops with the test process (testcontainers' reaper).
      return `postgres://postgres@${container.getHost()}:${container.getMappedPort(5432)}/postgres`;
    } catch {
      return null;
    }
  })();
  return containerUrl;
}

/** The admin URL of the Postgres server tests may use, or null when there is none (use PGlite). */
export async function testServerUrl(): Promise<string | null> {
  return process.env.TEST_DATABASE_URL || (await startContainer());
}

async function onServer<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function postgresDatabase(adminUrl: string, name: string): TestDatabase {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const options: KyselyStorageOptions = { url: url.toString(), poolSize: 4 };
  return {
    backend: 'postgres',
    url: url.toString(),
    options,
    open: () => createKyselyStorage(options),
    async drop() {
      assertTestDatabaseName(name);
      await onServer(adminUrl, (c) => c.query(`drop database if exists ${name} with (force)`));
    },
  };
}

async function createPostgresDatabase(adminUrl: string, migrate: boolean): Promise<TestDatabase> {
  const name = freshName();
  assertTestDatabaseName(name);
  if (!migrate) {
    await onServer(adminUrl, (c) => c.query(`create database ${name}`));
    return postgresDatabase(adminUrl, name);
  }
  for (let attempt = 0; ; attempt++) {
    const template = await migratedTemplate(adminUrl);
    try {
      await onServer(adminUrl, (c) => c.query(`create database ${name} template ${template}`));
      return postgresDatabase(adminUrl, name);
    } catch (error) {
      // Another test run replaced the template meanwhile (3D000: it no longer exists): build it again.
      if ((error as { code?: string }).code !== '3D000' || attempt > 0) throw error;
      templates.delete(adminUrl);
    }
  }
}

// ---- Postgres: one migrated template per set of migrations ----

const templates = new Map<string, Promise<string>>();

/** The template's name: changes whenever a migration is added or its code changes. */
function templateName(): string {
  const hash = createHash('sha256');
  for (const [name, migration] of Object.entries(MIGRATIONS))
    hash.update(`${name}\n${String(migration.up)}\n${String(migration.down ?? '')}\n`);
  return `pipewright_test_tmpl_${hash.digest('hex').slice(0, 16)}`;
}

/**
 * The migrated template test databases are cloned from, built once per server and set of
 * migrations (under an advisory lock, so parallel test processes build it once; under a
 * temporary name renamed when complete, so a killed build leaves no half-migrated template).
 * Templates of other migration sets are dropped when not in use.
 */
function migratedTemplate(adminUrl: string): Promise<string> {
  let template = templates.get(adminUrl);
  if (!template) {
    template = onServer(adminUrl, async (c) => {
      const name = templateName();
      assertTestDatabaseName(name);
      await c.query('select pg_advisory_lock(hashtext($1))', ['pipewright_test_tmpl']);
      try {
        const exists = await c.query('select 1 from pg_database where datname = $1', [name]);
        if (exists.rowCount === 0) {
          const building = `${name}_${randomBytes(3).toString('hex')}`;
          await c.query(`create database ${building}`);
          try {
            await migrated(postgresDatabase(adminUrl, building));
            await c.query(`alter database ${building} rename to ${name}`);
            await c.query(`comment on database ${name} is '${Date.now()}'`);
          } catch (error) {
            await c.query(`drop database if exists ${building} with (force)`).catch(() => {});
            throw error;
          }
        }
        // Other sets' templates built over an hour ago (a test run of other code may still use a newer one).
        const stale = await c.query<{ datname: string; built: string | null }>(
          "select datname, shobj_description(oid, 'pg_database') as built from pg_database where datname like 'pipewright\\_test\\_tmpl\\_%' and datname <> $1",
          [name],
        );
        for (const { datname, built } of stale.rows) {
          if (Number(built ?? 0) > Date.now() - 3_600_000) continue;
          assertTestDatabaseName(datname);
          // In use (another run cloning it right now): left for a later run to drop.
          await c.query(`drop database if exists "${datname}"`).catch(() => {});
        }
        return name;
      } finally {
        await c.query('select pg_advisory_unlock(hashtext($1))', ['pipewright_test_tmpl']).catch(() => {});
      }
    });
    templates.set(adminUrl, template);
    template.catch(() => templates.delete(adminUrl));
  }
  return template;
}

// ---- PGlite: one in-memory instance per test file, a schema per database ----

let sharedPglite: Promise<PGlite> | undefined;
/** Databases of the shared instance not yet dropped, and whether a close waits for them. */
let livePglite = 0;
let closeWhenIdle = false;

async function createPgliteDatabase(migrate: boolean): Promise<TestDatabase> {
  sharedPglite ??= PGlite.create();
  const pglite = await sharedPglite;
  const schema = freshName();
  assertTestDatabaseName(schema);
  const options: KyselyStorageOptions = { pglite, schema };
  livePglite++;
  let dropped = false;
  const database: TestDatabase = {
    backend: 'pglite',
    url: null,
    options,
    open: () => createKyselyStorage(options),
    async drop() {
      if (dropped) return;
      dropped = true;
      assertTestDatabaseName(schema);
      try {
        if (!pglite.closed) {
          const db = new Kysely<any>({ dialect: new PgliteDialect({ pglite, closeOnDestroy: false }) });
          await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
          await db.destroy();
        }
      } finally {
        if (--livePglite === 0 && closeWhenIdle) await closeTestPglite();
      }
    },
  };
  if (migrate)
    await migrated(database).catch(async (error: unknown) => {
      await database.drop().catch(() => {});
      throw error;
    });
  return database;
}

/**
 * Closes the shared in-memory PGlite of this test file (call it in a top-level
 * `afterAll`; otherwise the WASM instance can keep jest from exiting promptly). While
 * databases of it are still open (a server closed by a later hook), it closes when the
 * last of them is dropped.
 */
export async function closeTestPglite(): Promise<void> {
  if (livePglite > 0) {
    closeWhenIdle = true;
    return;
  }
  closeWhenIdle = false;
  const pglite = sharedPglite;
  sharedPglite = undefined;
  if (pglite) await (await pglite).close();
}

async function migrated(database: TestDatabase): Promise<void> {
  const handle = await database.open();
  try {
    await handle.migrate();
  } finally {
    await handle.close();
  }
}

/**
 * A fresh test database (migrated unless `migrate: false`). `backend` forces one;
 * forcing `postgres` without a server throws.
 */
export async function createTestDatabase(
  options: { backend?: TestBackend | 'auto'; migrate?: boolean } = {},
): Promise<TestDatabase> {
  const backend = options.backend ?? 'auto';
  const migrate = options.migrate ?? true;
  if (backend === 'pglite') return createPgliteDatabase(migrate);
  const server = await testServerUrl();
  if (server) return createPostgresDatabase(server, migrate);
  if (backend === 'postgres')
    throw new Error(
      'No Postgres for tests: set TEST_DATABASE_URL or run a Docker engine with testcontainers installed.',
    );
  return createPgliteDatabase(migrate);
}

/** A migrated, empty storage on a fresh test database; `cleanup()` closes it and drops the database. */
export async function createTestStorage(options: { backend?: TestBackend | 'auto' } = {}): Promise<TestStorage> {
  const database = await createTestDatabase(options);
  const handle = await database.open();
  let cleaned: Promise<void> | undefined;
  return {
    ...handle,
    backend: database.backend,
    database,
    cleanup: () =>
      (cleaned ??= (async () => {
        await handle.close();
        await database.drop();
      })()),
  };
}
