import { sql, type Kysely } from 'kysely';

/**
 * FROZEN: never edit a migration that has shipped; add a new file instead.
 * Uses Kysely<any> and no application imports, so later code changes cannot alter it.
 *
 * Int ids for users (Unstract's user ids are integers: `shared_users`, `co_owners`, `users/`).
 * Existing users are numbered in the order they were created; new ones take the sequence's
 * next value (`as integer` caps them at 2^31-1), from the application or the column default.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create sequence user_seq as integer`.execute(db);
  await db.schema.alterTable('users').addColumn('seq', 'integer').execute();
  await sql`update users u set seq = o.n from (select id, row_number() over (order by created_at, id) as n from users) o where u.id = o.id`.execute(
    db,
  );
  // The next user continues after the backfilled ones (is_called false: 1 itself comes next).
  await sql`select setval('user_seq', coalesce((select max(seq) from users), 1), (select count(*) > 0 from users))`.execute(
    db,
  );
  await db.schema
    .alterTable('users')
    .alterColumn('seq', (c) => c.setNotNull())
    .execute();
  // Rows written without one (raw SQL, other tools) still get an id.
  await sql`alter table users alter column seq set default nextval('user_seq')`.execute(db);
  await db.schema.alterTable('users').addUniqueConstraint('users_seq_key', ['seq']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropConstraint('users_seq_key').execute();
  await db.schema.alterTable('users').dropColumn('seq').execute();
  await sql`drop sequence user_seq`.execute(db);
}
