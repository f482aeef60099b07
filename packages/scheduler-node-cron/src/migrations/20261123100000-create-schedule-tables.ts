import { sql, type Kysely } from 'kysely';

// Frozen: migrations never import application code, so they keep meaning what they meant.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('schedule_fires')
    .addColumn('pipeline_id', 'uuid', (c) => c.notNull())
    .addColumn('fire_at', 'timestamptz', (c) => c.notNull())
    .addColumn('claimed_by', 'text', (c) => c.notNull())
    .addColumn('claimed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) =>
      c.notNull().check(sql`outcome in ('claimed', 'fired', 'skipped', 'missed', 'failed')`),
    )
    .addColumn('reason', 'text')
    .addColumn('run_id', 'uuid')
    .addPrimaryKeyConstraint('schedule_fires_pkey', ['pipeline_id', 'fire_at'])
    .execute();
  // Pruning by age.
  await db.schema.createIndex('schedule_fires_fire_at_idx').on('schedule_fires').column('fire_at').execute();

  await sql`create sequence schedule_registry_version_seq`.execute(db);
  await db.schema
    .createTable('schedule_registry')
    .addColumn('pipeline_id', 'uuid', (c) => c.primaryKey())
    .addColumn('spec', 'jsonb')
    .addColumn('schedule_start', 'integer', (c) => c.notNull())
    .addColumn('enabled', 'boolean', (c) => c.notNull())
    .addColumn('deleted', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('pipeline_updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('schedule_registry_version_idx').on('schedule_registry').column('version').execute();
  await db.schema
    .createIndex('schedule_registry_changed_at_idx')
    .on('schedule_registry')
    .column('changed_at')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('schedule_registry').execute();
  await sql`drop sequence schedule_registry_version_seq`.execute(db);
  await db.schema.dropTable('schedule_fires').execute();
}
