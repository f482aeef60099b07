import { sql, type Kysely } from 'kysely';

/**
 * FROZEN: never edit a migration that has shipped; add a new file instead.
 * Uses Kysely<any> and no application imports, so later code changes cannot alter it.
 *
 * Constraint and index names matter: the adapter maps unique violations to domain
 * errors by constraint name (see src/errors.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  // Int ids for Meergo-style routes; `as integer` caps them at 2^31-1.
  for (const name of ['organization_seq', 'pipeline_seq', 'run_seq'])
    await sql`create sequence ${sql.id(name)} as integer`.execute(db);

  await db.schema
    .createTable('organizations')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('organizations_seq_key', ['seq'])
    .addUniqueConstraint('organizations_slug_key', ['slug'])
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('is_active', 'boolean', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('users_email_key', ['email'])
    .execute();

  await db.schema
    .createTable('memberships')
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('memberships_pkey', ['org_id', 'user_id'])
    .execute();
  await db.schema.createIndex('memberships_user_idx').on('memberships').columns(['user_id']).execute();

  await db.schema
    .createTable('workflows')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('org_id', 'uuid', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('owner_id', 'uuid', (c) => c.notNull())
    .addColumn('shared_user_ids', sql`uuid[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('shared_to_org', 'boolean', (c) => c.notNull())
    .addColumn('is_active', 'boolean', (c) => c.notNull())
    .addColumn('deployment_type', 'text', (c) => c.notNull())
    .addColumn('source', 'jsonb')
    .addColumn('stages', 'jsonb', (c) => c.notNull())
    .addColumn('destination', 'jsonb')
    .addColumn('max_file_execution_count', 'integer')
    .addColumn('retry_on_interrupt', 'boolean', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('modified_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('workflows_org_name_key', ['org_id', 'name'])
    .execute();
  await db.schema
    .createIndex('workflows_org_created_idx')
    .on('workflows')
    .columns(['org_id', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('workflows_org_updated_idx')
    .on('workflows')
    .columns(['org_id', 'updated_at', 'id'])
    .execute();

  await db.schema
    .createTable('tags')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('org_id', 'uuid', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('color', 'text', (c) => c.notNull())
    .addColumn('exclusive', 'boolean', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('tags_org_name_key', ['org_id', 'name'])
    .execute();
  await db.schema.createIndex('tags_org_created_idx').on('tags').columns(['org_id', 'created_at', 'id']).execute();

  await db.schema
    .createTable('pipelines')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('org_id', 'uuid', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('workflow_id', 'uuid', (c) => c.notNull())
    .addColumn('owner_id', 'uuid', (c) => c.notNull())
    .addColumn('shared_user_ids', sql`uuid[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('shared_to_org', 'boolean', (c) => c.notNull())
    .addColumn('enabled', 'boolean', (c) => c.notNull())
    .addColumn('schedule', 'jsonb')
    .addColumn('schedule_start', 'integer', (c) => c.notNull())
    .addColumn('incremental', 'boolean', (c) => c.notNull())
    .addColumn('updated_at_column', 'text')
    .addColumn('cursor', 'text')
    .addColumn('run_count', 'integer', (c) => c.notNull())
    .addColumn('last_run_id', 'uuid')
    .addColumn('last_run_at', 'timestamptz')
    .addColumn('last_run_status', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('modified_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('pipelines_seq_key', ['seq'])
    // Also serves `order by name` within an org.
    .addUniqueConstraint('pipelines_org_name_key', ['org_id', 'name'])
    .execute();
  await db.schema
    .createIndex('pipelines_org_created_idx')
    .on('pipelines')
    .columns(['org_id', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('pipelines_org_updated_idx')
    .on('pipelines')
    .columns(['org_id', 'updated_at', 'id'])
    .execute();
  // Unstract's order: last run time desc nulls last, then creation time desc.
  await sql`create index pipelines_org_last_run_idx on pipelines (org_id, last_run_at desc nulls last, created_at desc, id)`.execute(
    db,
  );
  await db.schema.createIndex('pipelines_workflow_idx').on('pipelines').columns(['workflow_id']).execute();
  await sql`create index pipelines_scheduled_idx on pipelines (seq) where enabled and schedule is not null`.execute(db);

  await db.schema
    .createTable('pipeline_tags')
    .addColumn('pipeline_id', 'uuid', (c) => c.notNull().references('pipelines.id').onDelete('cascade'))
    .addColumn('tag_id', 'uuid', (c) => c.notNull().references('tags.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('pipeline_tags_pkey', ['pipeline_id', 'tag_id'])
    .execute();
  await db.schema.createIndex('pipeline_tags_tag_idx').on('pipeline_tags').columns(['tag_id', 'pipeline_id']).execute();

  await db.schema
    .createTable('runs')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('org_id', 'uuid', (c) => c.notNull())
    .addColumn('pipeline_id', 'uuid', (c) => c.references('pipelines.id').onDelete('cascade'))
    .addColumn('workflow_id', 'uuid', (c) => c.notNull())
    .addColumn('run_index', 'integer')
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('triggered_by', 'uuid')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('incremental', 'boolean', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz')
    .addColumn('ended_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('stages', 'jsonb', (c) => c.notNull())
    .addColumn('files', 'jsonb', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('cancelled_by', 'text')
    .addColumn('lease_expires_at', 'timestamptz')
    .addColumn('input', 'jsonb')
    .addUniqueConstraint('runs_seq_key', ['seq'])
    .execute();
  // One open run per pipeline, guaranteed under concurrent transactions (RunInProgressError).
  await sql`create unique index runs_one_open_per_pipeline on runs (pipeline_id) where status in ('PENDING', 'EXECUTING', 'STOPPING')`.execute(
    db,
  );
  // Run lists are newest first, then id: indexes in exactly that order, so a LIMIT reads
  // only the page (a merely compatible index invites the planner to walk the org-wide one).
  // org_id is included so a pipeline's run count is an index-only scan.
  await sql`create index runs_pipeline_created_idx on runs (pipeline_id, created_at desc, id) include (org_id)`.execute(
    db,
  );
  await sql`create index runs_workflow_created_idx on runs (workflow_id, created_at desc, id)`.execute(db);
  await sql`create index runs_org_created_idx on runs (org_id, created_at desc, id)`.execute(db);
  // Meergo's run ids and the run stream (keyset on seq).
  await db.schema.createIndex('runs_org_seq_idx').on('runs').columns(['org_id', 'seq']).execute();
  await sql`create index runs_open_org_created_idx on runs (org_id, created_at) where status in ('PENDING', 'EXECUTING', 'STOPPING')`.execute(
    db,
  );
  await sql`create index runs_open_lease_idx on runs (lease_expires_at) where status in ('PENDING', 'EXECUTING', 'STOPPING') and lease_expires_at is not null`.execute(
    db,
  );

  await db.schema
    .createTable('run_linked_pipelines')
    .addColumn('run_id', 'uuid', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    // No foreign key: a pipeline's delete removes its links explicitly (and links may precede it).
    .addColumn('pipeline_id', 'uuid', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('run_linked_pipelines_pkey', ['run_id', 'pipeline_id'])
    .execute();
  await db.schema
    .createIndex('run_linked_pipelines_pipeline_idx')
    .on('run_linked_pipelines')
    .columns(['pipeline_id', 'run_id'])
    .execute();

  await db.schema
    .createTable('run_logs')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('run_id', 'uuid', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('stage', 'text')
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('file_execution_id', 'uuid')
    .addColumn('time', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('run_logs_run_time_idx').on('run_logs').columns(['run_id', 'time', 'id']).execute();

  await db.schema
    .createTable('file_executions')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('run_id', 'uuid', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('file_path', 'text', (c) => c.notNull())
    .addColumn('cache_key', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('execution_time_ms', 'integer')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('file_executions_run_created_idx')
    .on('file_executions')
    .columns(['run_id', 'created_at', 'id'])
    .execute();

  await db.schema
    .createTable('file_histories')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('workflow_id', 'uuid', (c) => c.notNull().references('workflows.id').onDelete('cascade'))
    .addColumn('cache_key', 'text', (c) => c.notNull())
    .addColumn('file_path', 'text', (c) => c.notNull())
    .addColumn('provider_file_uuid', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('execution_count', 'integer', (c) => c.notNull())
    .addColumn('result', 'jsonb')
    .addColumn('error', 'text')
    .addColumn('metadata', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('file_histories_file_key', ['workflow_id', 'cache_key', 'file_path'])
    .execute();
  await db.schema
    .createIndex('file_histories_workflow_created_idx')
    .on('file_histories')
    .columns(['workflow_id', 'created_at', 'id'])
    .execute();
  // Unstract's file_path filter is a case-insensitive prefix: lower(file_path) LIKE 'prefix%'.
  await sql`create index file_histories_path_prefix_idx on file_histories (workflow_id, lower(file_path) text_pattern_ops)`.execute(
    db,
  );

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('org_id', 'uuid', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('is_active', 'boolean', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('secret_sealed', 'text')
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('expires_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('api_keys_secret_hash_key', ['secret_hash'])
    .execute();
  await db.schema
    .createIndex('api_keys_target_idx')
    .on('api_keys')
    .columns(['target_id', 'kind', 'created_at', 'id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'api_keys',
    'file_histories',
    'file_executions',
    'run_logs',
    'run_linked_pipelines',
    'runs',
    'pipeline_tags',
    'pipelines',
    'tags',
    'workflows',
    'memberships',
    'users',
    'organizations',
  ])
    await db.schema.dropTable(table).execute();
  for (const name of ['run_seq', 'pipeline_seq', 'organization_seq'])
    await sql`drop sequence ${sql.id(name)}`.execute(db);
}
