import type { Pipeline, ScheduleSpec } from '@pipewright/core';
import { sql, type Kysely } from 'kysely';

/** The channel every replica LISTENs on (Postgres); the payload is the new version. */
export const SCHEDULE_CHANNEL = 'pipewright_schedule';

/** One pipeline's job as the replicas share it. */
export interface RegistryEntry {
  pipelineId: string;
  /** The schedule, or null when the pipeline has none. */
  spec: ScheduleSpec | null;
  scheduleStart: number;
  enabled: boolean;
  /** Tombstone: the pipeline was deleted; no later publish revives it. */
  deleted: boolean;
  /** Rises on every change of spec/start/enabled/deleted, from one sequence for the whole table. */
  version: number;
  /** When the job last changed (database clock). */
  changedAt: Date;
}

/** True when the entry asks for a running job. */
export function hasJob(
  e: Pick<RegistryEntry, 'spec' | 'enabled' | 'deleted'>,
): e is RegistryEntry & { spec: ScheduleSpec } {
  return e.enabled && !e.deleted && e.spec !== null;
}

const TABLE = 'schedule_registry';

// The one place rows become entries. int8 comes back as a string (pg) or a number/bigint (PGlite).
function toEntry(row: Record<string, unknown>): RegistryEntry {
  return {
    pipelineId: row.pipeline_id as string,
    spec: (row.spec as ScheduleSpec | null) ?? null,
    scheduleStart: Number(row.schedule_start),
    enabled: Boolean(row.enabled),
    deleted: Boolean(row.deleted),
    version: Number(row.version),
    changedAt: new Date(row.changed_at as Date),
  };
}

/**
 * The shared list of scheduled jobs. Each replica writes here when its API changes a
 * pipeline and reads the rows whose version it has not seen, so changes made in one
 * process reach the others; NOTIFY makes that immediate where Postgres delivers it.
 */
export class ScheduleRegistry {
  constructor(private readonly db: Kysely<any>) {}

  /**
   * Publishes the pipeline's job. The version moves only when the job changes, and an
   * older pipeline state never overwrites a newer one (two processes saving the same
   * pipeline concurrently may publish out of order). Returns the entry as stored.
   */
  async publish(pipeline: Pipeline): Promise<RegistryEntry> {
    const spec = pipeline.schedule?.spec ?? null;
    const specJson = spec === null ? sql`null::jsonb` : sql`${JSON.stringify(spec)}::jsonb`;
    const changed = sql<boolean>`(${sql.ref(`${TABLE}.spec`)}, ${sql.ref(`${TABLE}.schedule_start`)}, ${sql.ref(`${TABLE}.enabled`)})
      is distinct from (excluded.spec, excluded.schedule_start, excluded.enabled)`;
    await this.db
      .insertInto(TABLE)
      .values({
        pipeline_id: pipeline.id,
        spec: specJson,
        schedule_start: pipeline.scheduleStart,
        enabled: pipeline.enabled,
        deleted: false,
        pipeline_updated_at: pipeline.updatedAt,
        version: sql`nextval('schedule_registry_version_seq')`,
        changed_at: sql`now()`,
      })
      .onConflict((oc) =>
        oc
          .column('pipeline_id')
          .doUpdateSet({
            spec: sql.ref('excluded.spec'),
            schedule_start: sql.ref('excluded.schedule_start'),
            enabled: sql.ref('excluded.enabled'),
            pipeline_updated_at: sql.ref('excluded.pipeline_updated_at'),
            version: sql`case when ${changed} then excluded.version else ${sql.ref(`${TABLE}.version`)} end`,
            changed_at: sql`case when ${changed} then excluded.changed_at else ${sql.ref(`${TABLE}.changed_at`)} end`,
          })
          .where(sql<boolean>`not ${sql.ref(`${TABLE}.deleted`)}`)
          .where(sql.ref(`${TABLE}.pipeline_updated_at`), '<=', sql.ref('excluded.pipeline_updated_at')),
      )
      .execute();
    const entry = await this.get(pipeline.id);
    await this.notify(entry!.version);
    return entry!;
  }

  /** Publishes the deletion of a pipeline's job (a tombstone row). */
  async remove(pipelineId: string): Promise<RegistryEntry> {
    const row = await this.db
      .insertInto(TABLE)
      .values({
        pipeline_id: pipelineId,
        spec: sql`null::jsonb`,
        schedule_start: 0,
        enabled: false,
        deleted: true,
        pipeline_updated_at: sql`now()`,
        version: sql`nextval('schedule_registry_version_seq')`,
        changed_at: sql`now()`,
      })
      .onConflict((oc) =>
        oc.column('pipeline_id').doUpdateSet({
          spec: sql`null::jsonb`,
          enabled: false,
          deleted: true,
          version: sql.ref('excluded.version'),
          changed_at: sql.ref('excluded.changed_at'),
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    const entry = toEntry(row);
    await this.notify(entry.version);
    return entry;
  }

  async get(pipelineId: string): Promise<RegistryEntry | null> {
    const row = await this.db.selectFrom(TABLE).selectAll().where('pipeline_id', '=', pipelineId).executeTakeFirst();
    return row ? toEntry(row) : null;
  }

  /** Entries for many pipelines at once. */
  async getMany(pipelineIds: readonly string[]): Promise<Map<string, RegistryEntry>> {
    const out = new Map<string, RegistryEntry>();
    for (let i = 0; i < pipelineIds.length; i += 1000) {
      const chunk = pipelineIds.slice(i, i + 1000);
      const rows = await this.db.selectFrom(TABLE).selectAll().where('pipeline_id', 'in', chunk).execute();
      for (const r of rows) out.set(r.pipeline_id as string, toEntry(r));
    }
    return out;
  }

  /** The highest version published so far (0 when none). */
  async currentVersion(): Promise<number> {
    const row = await this.db
      .selectFrom(TABLE)
      .select((eb) => eb.fn.max('version').as('v'))
      .executeTakeFirst();
    return Number(row?.v ?? 0);
  }

  /**
   * Entries with a version above `afterVersion`, plus every entry changed in the last
   * `lookbackMs`: a version is drawn before its row commits, so a lower version can
   * become visible after a higher one was read. Callers apply entries idempotently.
   */
  async changes(afterVersion: number, lookbackMs: number): Promise<RegistryEntry[]> {
    const rows = await this.db
      .selectFrom(TABLE)
      .selectAll()
      .where((eb) =>
        eb.or([
          eb('version', '>', afterVersion),
          eb('changed_at', '>', sql<Date>`now() - make_interval(secs => ${lookbackMs / 1000})`),
        ]),
      )
      .orderBy('version')
      .execute();
    return rows.map(toEntry);
  }

  private async notify(version: number): Promise<void> {
    await sql`select pg_notify(${SCHEDULE_CHANNEL}, ${String(version)})`.execute(this.db);
  }
}
