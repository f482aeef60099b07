import { sql, type Kysely } from 'kysely';

/**
 * FROZEN: never edit a migration that has shipped; add a new file instead.
 * Uses Kysely<any> and no application imports, so later code changes cannot alter it.
 *
 * Connections: the credentials and targets an organization's admins manage, named by
 * workflows (`{connector, connection, settings}` in the workflow's source/destination
 * JSON, so workflows need no new column). Secrets are stored sealed, never in `settings`.
 * Constraint names matter: src/errors.ts maps unique violations by name.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // Int ids for Meergo's /v1/connections; `as integer` caps them at 2^31-1.
  await sql`create sequence connection_seq as integer`.execute(db);

  await db.schema
    .createTable('connections')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('settings', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('sealed_secrets', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('modified_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('connections_seq_key', ['seq'])
    // Also serves `order by name` within an org.
    .addUniqueConstraint('connections_org_name_key', ['org_id', 'name'])
    .execute();
  await db.schema
    .createIndex('connections_org_created_idx')
    .on('connections')
    .columns(['org_id', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('connections_org_updated_idx')
    .on('connections')
    .columns(['org_id', 'updated_at', 'id'])
    .execute();

  // The workflows naming a connection (its usage, before it is deleted).
  await sql`create index workflows_source_connection_idx on workflows (org_id, (source ->> 'connection')) where source ->> 'connection' is not null`.execute(
    db,
  );
  await sql`create index workflows_destination_connection_idx on workflows (org_id, (destination ->> 'connection')) where destination ->> 'connection' is not null`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index workflows_destination_connection_idx`.execute(db);
  await sql`drop index workflows_source_connection_idx`.execute(db);
  await db.schema.dropTable('connections').execute();
  await sql`drop sequence connection_seq`.execute(db);
}
