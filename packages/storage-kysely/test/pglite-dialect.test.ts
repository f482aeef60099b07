import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Kysely, sql } from 'kysely';
import { createKyselyStorage } from '../src/create-kysely-storage.js';
import { PgliteDialect } from '../src/dialects/pglite-dialect.js';

describe('PgliteDialect', () => {
  let pglite: PGlite;
  const open = (schema?: string) =>
    new Kysely<any>({ dialect: new PgliteDialect({ pglite, schema, closeOnDestroy: false }) });

  beforeAll(async () => {
    pglite = await PGlite.create();
    await pglite.exec('create table events (n int); create schema tenant_a; create table tenant_a.items (n int)');
  }, 60_000);
  afterAll(() => pglite.close());

  it('runs a transaction exclusively: statements from outside wait until it ends', async () => {
    const db = open();
    const order: string[] = [];
    let inside!: () => void;
    const entered = new Promise<void>((resolve) => (inside = resolve));
    const tx = db.transaction().execute(async (trx) => {
      await sql`insert into events values (1)`.execute(trx);
      inside();
      await new Promise((resolve) => setTimeout(resolve, 50));
      order.push('transaction done');
    });
    await entered;
    const outside = sql<{ n: number }>`select count(*)::int as n from events`.execute(db).then((r) => {
      order.push('outside read');
      return r.rows[0]!.n;
    });
    await tx;
    expect(await outside).toBe(1);
    expect(order).toEqual(['transaction done', 'outside read']);
    await sql`delete from events`.execute(db);
    await db.destroy();
  });

  it('rolls back when the work throws, and stays usable', async () => {
    const db = open();
    await expect(
      db.transaction().execute(async (trx) => {
        await sql`insert into events values (2)`.execute(trx);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    // A failed statement aborts the transaction; the rollback still leaves the session clean.
    await expect(
      db.transaction().execute(async (trx) => {
        await sql`insert into events values (3)`.execute(trx);
        await sql`select 1/0`.execute(trx);
      }),
    ).rejects.toThrow(/division by zero/);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from events`.execute(db);
    expect(rows[0]!.n).toBe(0);
    await db.destroy();
  });

  it('serializes concurrent transactions of two Kysely instances on one PGlite', async () => {
    const [a, b] = [open(), open()];
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).transaction().execute(async (trx) => {
          const { rows } = await sql<{ n: number }>`select count(*)::int as n from events`.execute(trx);
          await new Promise((resolve) => setTimeout(resolve, 2));
          await sql`insert into events values (${rows[0]!.n + 1})`.execute(trx);
        }),
      ),
    );
    const { rows } = await sql<{ n: number }>`select n from events order by n`.execute(a);
    expect(rows.map((r) => r.n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await sql`delete from events`.execute(a);
    await Promise.all([a.destroy(), b.destroy()]);
  });

  it("keeps each instance's schema (search_path) even when they interleave", async () => {
    const [plain, tenant] = [open(), open('tenant_a')];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2
          ? sql`insert into items values (${i})`.execute(tenant)
          : sql`insert into events values (${i})`.execute(plain),
      ),
    );
    const events = await sql<{ n: number }>`select count(*)::int as n from events`.execute(plain);
    const items = await sql<{ n: number }>`select count(*)::int as n from items`.execute(tenant);
    expect([events.rows[0]!.n, items.rows[0]!.n]).toEqual([10, 10]);
    await expect(sql`select * from items`.execute(plain)).rejects.toThrow(/does not exist/);
    await sql`delete from events`.execute(plain);
    await Promise.all([plain.destroy(), tenant.destroy()]);
  });

  it('reports affected rows and parses dates, JSON and arrays like pg', async () => {
    const db = open();
    await sql`create temporary table t (at timestamptz, doc jsonb, ids uuid[])`.execute(db);
    const at = new Date('2026-01-01T00:00:00.123Z');
    const id = '0b7e4d0e-2f7e-4c57-9d5a-2a4f1f2d3c4b';
    await sql`insert into t values (${at}, ${JSON.stringify({ a: [1] })}, ${[id]})`.execute(db);
    const { rows } = await sql<{ at: Date; doc: unknown; ids: string[] }>`select * from t`.execute(db);
    expect(rows[0]).toEqual({ at, doc: { a: [1] }, ids: [id] });
    const result = await db.deleteFrom('t').executeTakeFirst();
    expect(result.numDeletedRows).toBe(1n);
    await db.destroy();
  });
});

describe('PGlite in a data folder', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pipewright-pglite-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('keeps the data across a close and reopen', async () => {
    const dataDir = join(dir, 'nested', 'pglite');
    const first = await createKyselyStorage({ dataDir });
    await first.migrate();
    const seq = await first.storage.organizations.nextSeq();
    await first.close();

    const second = await createKyselyStorage({ dataDir });
    await second.migrate();
    expect(await second.storage.organizations.nextSeq()).toBe(seq + 1);
    await second.close();
  }, 60_000);
});
