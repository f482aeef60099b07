import type { Clock, Page, PageRequest } from '@pipewright/core';
import { sql, type Kysely } from 'kysely';
import type { RunCoordinator } from 'node-cron';
import { BatchQueue } from './batch-queue.js';

export const FIRE_OUTCOMES = ['claimed', 'fired', 'skipped', 'missed', 'failed'] as const;
/**
 * claimed: a process won the fire and is running it (stays so if that process died mid-fire);
 * fired: a run was opened; skipped: a rule said no (reason); missed: no process ran it;
 * failed: the fire threw (reason holds the message).
 */
export type FireOutcome = (typeof FIRE_OUTCOMES)[number];

/** One ledger row: what happened to one scheduled fire of one pipeline. */
export interface FireRecord {
  pipelineId: string;
  fireAt: Date;
  claimedBy: string;
  claimedAt: Date;
  outcome: FireOutcome;
  reason: string | null;
  runId: string | null;
}

/** How a claimed fire ended. */
export type FireResult =
  | { outcome: 'fired'; runId: string; reason?: string | null }
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'failed'; reason: string };

const TABLE = 'schedule_fires';

interface FireKey {
  pipelineId: string;
  fireAt: Date;
}

/**
 * Multi-row writes from several processes must take row locks in one global order, or
 * two batches with the same keys in different orders deadlock.
 */
function inLockOrder<T extends FireKey>(items: readonly T[]): T[] {
  return [...items].sort((a, b) =>
    a.pipelineId < b.pipelineId ? -1 : a.pipelineId > b.pipelineId ? 1 : a.fireAt.getTime() - b.fireAt.getTime(),
  );
}

function keyOf(pipelineId: string, fireAt: Date): string {
  return `${pipelineId}|${fireAt.getTime()}`;
}

/** node-cron's coordination key for a distributed task: `${name}:${slot ISO}`; our task name is the pipeline id. */
export function coordinationKey(pipelineId: string, fireAt: Date): string {
  return `${pipelineId}:${fireAt.toISOString()}`;
}

function parseKey(key: string): { pipelineId: string; fireAt: Date } {
  const i = key.indexOf(':');
  const fireAt = new Date(key.slice(i + 1));
  if (i <= 0 || Number.isNaN(fireAt.getTime())) throw new Error(`Unexpected coordination key "${key}".`);
  return { pipelineId: key.slice(0, i), fireAt };
}

// The one place rows become records.
function toRecord(row: Record<string, unknown>): FireRecord {
  return {
    pipelineId: row.pipeline_id as string,
    fireAt: new Date(row.fire_at as Date),
    claimedBy: row.claimed_by as string,
    claimedAt: new Date(row.claimed_at as Date),
    outcome: row.outcome as FireOutcome,
    reason: (row.reason as string | null) ?? null,
    runId: (row.run_id as string | null) ?? null,
  };
}

/** A JSON array parameter, expanded in SQL; portable across pg and PGlite parameter serializers. */
function uuidList(ids: readonly string[]) {
  return sql`(select value::uuid from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`;
}

/**
 * The fire ledger, one row per (pipeline, fire instant). It is node-cron's RunCoordinator:
 * the process whose INSERT creates the row runs the fire, every other process sees a
 * conflict and skips it, so N replicas give exactly one run per fire. Rows are never
 * released (node-cron's lease TTL is ignored): a lease that expires could let a slow
 * replica run the same fire a second time.
 */
export class FireLedger implements RunCoordinator {
  constructor(
    private readonly db: Kysely<any>,
    readonly instanceId: string,
    private readonly clock: Clock,
  ) {}

  // Claims and outcomes are written in batches (see BatchQueue); callers still see one result each.
  private readonly claims = new BatchQueue<FireKey, boolean>(async (keys) => {
    const now = this.clock.now();
    const rows = await this.db
      .insertInto(TABLE)
      .values(
        inLockOrder(keys).map((k) => ({
          pipeline_id: k.pipelineId,
          fire_at: k.fireAt,
          claimed_by: this.instanceId,
          claimed_at: now,
          outcome: 'claimed',
        })),
      )
      .onConflict((oc) => oc.columns(['pipeline_id', 'fire_at']).doNothing())
      .returning(['pipeline_id', 'fire_at'])
      .execute();
    // One row per inserted key; a key asked twice in one batch (two tasks of one job) wins once.
    const won = new Set(rows.map((r) => keyOf(r.pipeline_id as string, new Date(r.fire_at as Date))));
    return keys.map((k) => won.delete(keyOf(k.pipelineId, k.fireAt)));
  });

  private readonly records = new BatchQueue<FireKey & { result: FireResult }, void>(async (items) => {
    const values = sql.join(
      inLockOrder(items).map(
        (i) =>
          sql`(${i.pipelineId}::uuid, ${i.fireAt}::timestamptz, ${i.result.outcome}, ${i.result.reason ?? null}::text, ${
            i.result.outcome === 'fired' ? i.result.runId : null
          }::uuid)`,
      ),
    );
    await sql`
      update schedule_fires f
      set outcome = v.outcome, reason = v.reason, run_id = v.run_id
      from (values ${values}) as v(pipeline_id, fire_at, outcome, reason, run_id)
      where f.pipeline_id = v.pipeline_id and f.fire_at = v.fire_at and f.claimed_by = ${this.instanceId}`.execute(
      this.db,
    );
    return items.map(() => undefined);
  });

  /** node-cron asks before each fire: true when this process claimed it. */
  async shouldRun(key: string): Promise<boolean> {
    const { pipelineId, fireAt } = parseKey(key);
    return this.claim(pipelineId, fireAt);
  }

  /** Claims a fire; true when this process inserted the row (nobody had claimed or recorded it). */
  claim(pipelineId: string, fireAt: Date): Promise<boolean> {
    return this.claims.push({ pipelineId, fireAt });
  }

  /** Records how a fire this process claimed ended. */
  async record(pipelineId: string, fireAt: Date, result: FireResult): Promise<void> {
    await this.records.push({ pipelineId, fireAt, result });
  }

  /** Records fires nobody claimed as missed; leaves existing rows alone. Returns how many were new. */
  async recordMissed(pipelineId: string, fireAts: readonly Date[], reason: string | null = null): Promise<number> {
    if (fireAts.length === 0) return 0;
    const now = this.clock.now();
    const rows = await this.db
      .insertInto(TABLE)
      .values(
        [...fireAts]
          .sort((a, b) => a.getTime() - b.getTime())
          .map((fireAt) => ({
            pipeline_id: pipelineId,
            fire_at: fireAt,
            claimed_by: this.instanceId,
            claimed_at: now,
            outcome: 'missed',
            reason,
          })),
      )
      .onConflict((oc) => oc.columns(['pipeline_id', 'fire_at']).doNothing())
      .returning('fire_at')
      .execute();
    return rows.length;
  }

  /**
   * Claims a missed fire to run it late (misfire policy run-once). Row locking makes
   * exactly one of several concurrent callers see true.
   */
  async claimMissed(pipelineId: string, fireAt: Date): Promise<boolean> {
    const row = await this.db
      .updateTable(TABLE)
      .set({ outcome: 'claimed', claimed_by: this.instanceId, claimed_at: this.clock.now() })
      .where('pipeline_id', '=', pipelineId)
      .where('fire_at', '=', fireAt)
      .where('outcome', '=', 'missed')
      .returning('pipeline_id')
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The pipeline's fires, newest first, with the total count. */
  async list(pipelineId: string, page: PageRequest): Promise<Page<FireRecord>> {
    const [rows, count] = await Promise.all([
      this.db
        .selectFrom(TABLE)
        .selectAll()
        .where('pipeline_id', '=', pipelineId)
        .orderBy('fire_at', 'desc')
        .limit(page.size)
        .offset((page.page - 1) * page.size)
        .execute(),
      this.db
        .selectFrom(TABLE)
        .select((eb) => eb.fn.countAll().as('n'))
        .where('pipeline_id', '=', pipelineId)
        .executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toRecord), total: Number(count.n) };
  }

  /** The pipeline's latest fire at or before `atOrBefore` (default: any), or null. */
  async lastFire(pipelineId: string, atOrBefore?: Date): Promise<FireRecord | null> {
    let q = this.db.selectFrom(TABLE).selectAll().where('pipeline_id', '=', pipelineId);
    if (atOrBefore) q = q.where('fire_at', '<=', atOrBefore);
    const row = await q.orderBy('fire_at', 'desc').limit(1).executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  /** The latest fire instant at or before `atOrBefore` for each of many pipelines (one index probe each). */
  async lastFireTimes(pipelineIds: readonly string[], atOrBefore: Date): Promise<Map<string, Date>> {
    const out = new Map<string, Date>();
    for (let i = 0; i < pipelineIds.length; i += 1000) {
      const chunk = pipelineIds.slice(i, i + 1000);
      const { rows } = await sql<{ pipeline_id: string; fire_at: Date }>`
        select p.id as pipeline_id, f.fire_at
        from ${uuidList(chunk)} as p(id)
        cross join lateral (
          select fire_at from schedule_fires
          where pipeline_id = p.id and fire_at <= ${atOrBefore}
          order by fire_at desc limit 1
        ) f`.execute(this.db);
      for (const r of rows) out.set(r.pipeline_id, new Date(r.fire_at));
    }
    return out;
  }

  /** Deletes rows for fires before `before`, in batches; returns how many went. */
  async prune(before: Date, batchSize = 10_000): Promise<number> {
    let total = 0;
    for (;;) {
      const res = await sql`
        delete from schedule_fires where (pipeline_id, fire_at) in (
          select pipeline_id, fire_at from schedule_fires where fire_at < ${before} limit ${batchSize})`.execute(
        this.db,
      );
      const n = Number(res.numAffectedRows ?? 0);
      total += n;
      if (n < batchSize) return total;
    }
  }
}
