import { type Kysely } from 'kysely';

/**
 * FROZEN: never edit a migration that has shipped; add a new file instead.
 * Uses Kysely<any> and no application imports, so later code changes cannot alter it.
 *
 * Who holds a run's lease: the token of the attempt executing it, checked by heartbeat, finish
 * and retry under the run's row lock. Existing rows have none; an attempt that began before
 * this migration is refused at its next heartbeat (lost lease) and recovered when its lease expires.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('runs').addColumn('lease_holder', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('runs').dropColumn('lease_holder').execute();
}
