import { PGlite } from '@electric-sql/pglite';
const t0 = Date.now();
const db = await PGlite.create();
console.log('create ms', Date.now() - t0);
await db.exec(`create table t (id uuid primary key, j jsonb, a uuid[], ts timestamptz, n bigint, s text[])`);
const r = await db.query(`insert into t values ($1,$2,$3,$4,$5,$6) returning *`, ['11111111-1111-1111-1111-111111111111', JSON.stringify({a:1}), ['22222222-2222-2222-2222-222222222222'], new Date('2020-01-01T00:00:00.123Z'), 5, ['x','y']]);
console.log(r);
const r2 = await db.query(`select $1::jsonb as j, $2::jsonb as k`, [JSON.stringify('str'), '[1,2]']);
console.log(r2.rows);
try { await db.query(`insert into t (id) values ($1)`, ['11111111-1111-1111-1111-111111111111']); } catch (e) { console.log(Object.keys(e), e.code, e.constraint, e.message); }
const t1 = Date.now();
const db2 = await PGlite.create();
console.log('create2 ms', Date.now() - t1);
