import type { Run, RunQuery, RunRepository, Visibility } from '@pipewright/core';
import { sql, type SqlBool } from 'kysely';
import { writing } from '../errors.js';
import { fromRow, toRow } from '../mapping.js';
import { matching, ordered, paged, total } from '../query/query-builder.js';
import { RUN_FILTERS, RUN_SORTS } from '../query/fields.js';
import { runVisible } from '../query/visibility.js';
import { atomically, isSeq, isUuid, nextValue, OPEN_STATUSES, type Db } from './support.js';

const DEFAULT_BATCH_SIZE = 500;

/** A run's linked pipeline ids in link order, selected with the row. */
const LINKED_IDS = sql<
  string[]
>`array(select l.pipeline_id from run_linked_pipelines l where l.run_id = r.id order by l.position)`.as(
  'linked_pipeline_ids',
);

async function saveLinks(tx: Db, runId: string, pipelineIds: readonly string[]): Promise<void> {
  await tx.deleteFrom('run_linked_pipelines').where('run_id', '=', runId).execute();
  if (pipelineIds.length)
    await tx
      .insertInto('run_linked_pipelines')
      .values(pipelineIds.map((pipelineId, position) => ({ run_id: runId, pipeline_id: pipelineId, position })))
      .execute();
}

/** Whether the query always restricts to one pipeline or one workflow (its run list). */
function pinsOneParent(query: RunQuery): boolean {
  const pins = (f: RunQuery['filters'][number]) =>
    (f.field === 'pipelineId' || f.field === 'workflowId') && f.op === 'equals';
  return (query.required ?? []).some(pins) || (query.logical === 'and' && query.filters.some(pins));
}

export function runRepository(db: Db): RunRepository {
  const select = () => db.selectFrom('runs as r').selectAll('r').select(LINKED_IDS);
  /**
   * Runs of the org visible under `v`. For one pipeline's (or workflow's) runs, the org test
   * is written `(...) is true` so the planner cannot pick the org-wide index for it: with
   * a LIMIT it would walk the org's runs newest first, and for a pipeline whose runs are
   * all old that is the whole org. Its own index reads just the page.
   */
  const visible = (v: Visibility, pinned = false) =>
    db
      .selectFrom('runs as r')
      .where(pinned ? sql<SqlBool>`(r.org_id = ${v.orgId}::uuid) is true` : sql<SqlBool>`r.org_id = ${v.orgId}::uuid`)
      .where(runVisible(v));
  const byId = async (id: string, lock: boolean): Promise<Run | null> => {
    if (!isUuid(id)) return null;
    const query = select().where('r.id', '=', id);
    const row = await (lock ? query.forUpdate() : query).executeTakeFirst();
    return row ? fromRow.run(row) : null;
  };
  return {
    nextSeq: () => nextValue(db, 'run_seq'),
    async insert(run) {
      const { row, linkedPipelineIds } = toRow.run(run);
      await writing(row, () =>
        atomically(db, async (tx) => {
          await tx.insertInto('runs').values(row).execute();
          if (linkedPipelineIds.length) await saveLinks(tx, row.id, linkedPipelineIds);
        }),
      );
    },
    async update(run) {
      const { row, linkedPipelineIds } = toRow.run(run);
      const { id, ...changes } = row;
      if (!linkedPipelineIds.length) {
        // The common case (runs of a pipeline link none): the save and the removal of any old
        // links in one statement, atomic without a transaction (was BEGIN, UPDATE, DELETE, COMMIT).
        await writing(row, () =>
          db
            .with('saved', (q) => q.updateTable('runs').set(changes).where('id', '=', id).returning('id'))
            .deleteFrom('run_linked_pipelines')
            .where('run_id', 'in', (eb) => eb.selectFrom('saved').select('saved.id'))
            .execute(),
        );
        return;
      }
      await writing(row, () =>
        atomically(db, async (tx) => {
          const result = await tx.updateTable('runs').set(changes).where('id', '=', id).executeTakeFirst();
          if (result.numUpdatedRows > 0n) await saveLinks(tx, id, linkedPipelineIds);
        }),
      );
    },
    findById: (id) => byId(id, false),
    findByIdForUpdate: (id) => byId(id, true),
    async findBySeq(seq) {
      if (!isSeq(seq)) return null;
      const row = await select().where('r.seq', '=', seq).executeTakeFirst();
      return row ? fromRow.run(row) : null;
    },
    async delete(id) {
      // Logs, file executions and pipeline links go with it (ON DELETE CASCADE).
      if (isUuid(id)) await db.deleteFrom('runs').where('id', '=', id).execute();
    },
    async findOpenForPipeline(pipelineId) {
      if (!isUuid(pipelineId)) return null;
      const row = await select()
        .where('r.pipeline_id', '=', pipelineId)
        .where(sql<SqlBool>`r.status in ${OPEN_STATUSES}`)
        .executeTakeFirst();
      return row ? fromRow.run(row) : null;
    },
    async list(visibility, query) {
      if (!isUuid(visibility.orgId)) return { items: [], total: 0 };
      const filtered = visible(visibility, pinsOneParent(query)).where(matching(query, RUN_FILTERS));
      // As for pipelines: page the ids, then read rows and linked ids for the page only.
      const pageIds = paged(ordered(filtered.select('r.id'), query.sort, RUN_SORTS, 'r.id'), query.page);
      const rows = await ordered(select().where('r.id', 'in', pageIds), query.sort, RUN_SORTS, 'r.id').execute();
      return { items: rows.map(fromRow.run), total: await total(filtered, query.page, rows.length) };
    },
    async *stream(visibility, options) {
      if (!isUuid(visibility.orgId)) return;
      const batchSize = Math.max(1, Math.floor(options?.batchSize ?? DEFAULT_BATCH_SIZE));
      let before: number | null = null;
      for (;;) {
        // Keyset on seq: each batch is one indexed range read, whatever the table's size.
        let batch = visible(visibility).selectAll('r').select(LINKED_IDS);
        if (before !== null) batch = batch.where('r.seq', '<', before);
        const rows = await batch.orderBy('r.seq', 'desc').limit(batchSize).execute();
        for (const row of rows) yield fromRow.run(row);
        if (rows.length < batchSize) return;
        before = rows[rows.length - 1]!.seq;
      }
    },
    async lastPerPipeline(pipelineIds, n) {
      const ids = [...new Set(pipelineIds.filter(isUuid))];
      const out = new Map<string, Run[]>(pipelineIds.map((id) => [id, []]));
      const limit = Math.max(0, Math.floor(n));
      if (!ids.length || !limit) return out;
      // One statement: per pipeline, an index range read of its newest runs (runs_pipeline_index_idx).
      const rows = await db
        .selectFrom('pipelines as p')
        .innerJoinLateral(
          (eb) =>
            eb
              .selectFrom('runs as r')
              .selectAll('r')
              .whereRef('r.pipeline_id', '=', 'p.id')
              .where('r.run_index', 'is not', null)
              .orderBy('r.run_index', 'desc')
              .limit(limit)
              .as('r'),
          (join) => join.onTrue(),
        )
        .selectAll('r')
        .select(LINKED_IDS)
        .where('p.id', 'in', ids)
        .orderBy('r.pipeline_id')
        .orderBy('r.run_index')
        .execute();
      for (const row of rows) out.get(row.pipeline_id!)?.push(fromRow.run(row));
      return out;
    },
    async listExpiredLeases(now, limit) {
      const rows = await select()
        .where(sql<SqlBool>`r.status in ${OPEN_STATUSES}`)
        .where('r.lease_expires_at', 'is not', null)
        .where('r.lease_expires_at', '<', now)
        .orderBy('r.lease_expires_at')
        .orderBy('r.id')
        .limit(Math.max(0, Math.floor(limit)))
        .execute();
      return rows.map(fromRow.run);
    },
  };
}
