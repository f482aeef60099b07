import { sql, type Kysely } from 'kysely';

/**
 * FROZEN: never edit a migration that has shipped; add a new file instead.
 * Uses Kysely<any> and no application imports, so later code changes cannot alter it.
 *
 * What users show of themselves beyond their name: product-email consent and a metadata
 * object clients keep on the user (ZenML's `email_opted_in` and `user_metadata`, which its
 * dashboard's onboarding survey writes). Defaults fill existing rows.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('email_opted_in', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('user_metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('user_metadata').dropColumn('email_opted_in').execute();
}
