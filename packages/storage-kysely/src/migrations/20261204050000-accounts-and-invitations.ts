import { sql, type Kysely } from 'kysely';

/**
 * FROZEN: never edit a migration that has shipped; add a new file instead.
 * Uses Kysely<any> and no application imports, so later code changes cannot alter it.
 *
 * Server roles, session versions and invitations:
 * - `users.is_server_admin`: operator of the whole server, apart from any organization role.
 *   Until now the admins of the server's own organization (the one it was bootstrapped with:
 *   the first created, lowest `seq`) acted as server admins; they become server admins, so
 *   nothing changes for operators.
 * - `users.session_version`: carried in every access token; bumping it ends every session.
 * - `invitations`: open offers of membership, one per organization and email.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('is_server_admin', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('session_version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`
    UPDATE users SET is_server_admin = true
    WHERE id IN (
      SELECT m.user_id FROM memberships m
      WHERE m.role = 'admin' AND m.org_id = (SELECT o.id FROM organizations o ORDER BY o.seq, o.created_at LIMIT 1)
    )`.execute(db);
  await db.schema
    .createTable('invitations')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('invited_by', 'uuid', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('invitations_org_email_key', ['org_id', 'email'])
    .execute();
  await db.schema.createIndex('invitations_email_idx').on('invitations').column('email').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('invitations').execute();
  await db.schema.alterTable('users').dropColumn('session_version').dropColumn('is_server_admin').execute();
}
