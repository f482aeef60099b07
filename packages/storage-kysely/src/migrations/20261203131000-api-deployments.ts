import { sql, type Kysely } from 'kysely';

/**
 * FROZEN: never edit a migration that has shipped; add a new file instead.
 * Uses Kysely<any> and no application imports, so later code changes cannot alter it.
 *
 * API deployments: a named HTTP API over a workflow (Unstract's `api/deployment/`), called with
 * its own keys (`api_keys.kind = 'deployment'`, `target_id` its id). Deleting the workflow
 * deletes its deployments. Constraint names matter: src/errors.ts maps unique violations by name.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('api_deployments')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('workflow_id', 'uuid', (c) => c.notNull().references('workflows.id').onDelete('cascade'))
    .addColumn('api_name', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('is_active', 'boolean', (c) => c.notNull())
    .addColumn('owner_id', 'uuid', (c) => c.notNull())
    .addColumn('shared_user_ids', sql`uuid[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('shared_to_org', 'boolean', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('modified_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('api_deployments_org_api_name_key', ['org_id', 'api_name'])
    .execute();
  await db.schema
    .createIndex('api_deployments_org_created_idx')
    .on('api_deployments')
    .columns(['org_id', 'created_at', 'id'])
    .execute();
  await db.schema.createIndex('api_deployments_workflow_idx').on('api_deployments').column('workflow_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('api_deployments').execute();
}
