import type { PipelineRepository } from '@pipewright/core';
import { sql, type SqlBool } from 'kysely';
import { writing } from '../errors.js';
import { fromRow, toRow, type PipelineRow } from '../mapping.js';
import { matching, ordered, paged, total } from '../query/query-builder.js';
import { PIPELINE_FILTERS, PIPELINE_SORTS } from '../query/fields.js';
import { shareableVisible } from '../query/visibility.js';
import { atomically, isSeq, isUuid, nextValue, type Db } from './support.js';

/** A pipeline's tag ids in attach order, selected with the row (one query per page). */
const TAG_IDS = sql<
  string[]
>`array(select pt.tag_id from pipeline_tags pt where pt.pipeline_id = p.id order by pt.position)`.as('tag_ids');

const sameIds = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((id, i) => id === b[i]);

async function saveTagLinks(tx: Db, pipelineId: string, tagIds: readonly string[]): Promise<void> {
  await tx.deleteFrom('pipeline_tags').where('pipeline_id', '=', pipelineId).execute();
  if (tagIds.length)
    await tx
      .insertInto('pipeline_tags')
      .values(tagIds.map((tagId, position) => ({ pipeline_id: pipelineId, tag_id: tagId, position })))
      .execute();
}

export function pipelineRepository(db: Db): PipelineRepository {
  const select = () => db.selectFrom('pipelines as p').selectAll('p').select(TAG_IDS);
  const toPipelines = (rows: PipelineRow[]) => rows.map(fromRow.pipeline);
  const byId = async (id: string, lock: 'update' | 'share' | null) => {
    if (!isUuid(id)) return null;
    const query = select().where('p.id', '=', id);
    const row = await (
      lock === 'update' ? query.forUpdate() : lock === 'share' ? query.forShare() : query
    ).executeTakeFirst();
    return row ? fromRow.pipeline(row) : null;
  };
  const orgPipelineCount = async (orgId: string) => {
    const row = await db
      .selectFrom('org_pipeline_counts')
      .select(sql<number>`pipelines::int`.as('n'))
      .where('org_id', '=', orgId)
      .executeTakeFirst();
    return row?.n ?? 0;
  };
  return {
    nextSeq: () => nextValue(db, 'pipeline_seq'),
    async insert(pipeline) {
      const { row, tagIds } = toRow.pipeline(pipeline);
      await writing(row, () =>
        atomically(db, async (tx) => {
          await tx.insertInto('pipelines').values(row).execute();
          await saveTagLinks(tx, row.id, tagIds);
        }),
      );
    },
    async update(pipeline) {
      const { row, tagIds } = toRow.pipeline(pipeline);
      const { id, ...changes } = row;
      if (!tagIds.length) {
        // Untagged (most saves, e.g. a run's bookkeeping): the save and the removal of any old
        // tag links in one statement, atomic without a transaction (was BEGIN, UPDATE, DELETE, COMMIT).
        await writing(row, () =>
          db
            .with('saved', (q) => q.updateTable('pipelines').set(changes).where('id', '=', id).returning('id'))
            .deleteFrom('pipeline_tags')
            .where('pipeline_id', 'in', (eb) => eb.selectFrom('saved').select('saved.id'))
            .execute(),
        );
        return;
      }
      await writing(row, () =>
        atomically(db, async (tx) => {
          // The links as they were, read by the save itself: rewritten only when they changed.
          const saved = await tx
            .updateTable('pipelines as p')
            .set(changes)
            .where('p.id', '=', id)
            .returning(TAG_IDS)
            .executeTakeFirst();
          if (saved && !sameIds(saved.tag_ids, tagIds)) await saveTagLinks(tx, id, tagIds);
        }),
      );
    },
    async delete(id) {
      if (!isUuid(id)) return;
      await atomically(db, async (tx) => {
        // Runs (with their logs, file executions and links) and tag links go by foreign-key cascade.
        await tx.deleteFrom('run_linked_pipelines').where('pipeline_id', '=', id).execute();
        await tx.deleteFrom('api_keys').where('kind', '=', 'pipeline').where('target_id', '=', id).execute();
        await tx.deleteFrom('pipelines').where('id', '=', id).execute();
      });
    },
    findById: (id) => byId(id, null),
    findByIdForUpdate: (id) => byId(id, 'update'),
    findByIdForShare: (id) => byId(id, 'share'),
    async findBySeq(seq) {
      if (!isSeq(seq)) return null;
      const row = await select().where('p.seq', '=', seq).executeTakeFirst();
      return row ? fromRow.pipeline(row) : null;
    },
    async list(visibility, query) {
      if (!isUuid(visibility.orgId)) return { items: [], total: 0 };
      const filtered = db
        .selectFrom('pipelines as p')
        .where('p.org_id', '=', visibility.orgId)
        .where(shareableVisible('p', visibility))
        .where(matching(query, PIPELINE_FILTERS));
      // The page's ids first (index-only for the indexed sorts), then rows and tag ids for those
      // ids only: selecting them before OFFSET ran the tag subquery for every skipped row.
      const pageIds = paged(ordered(filtered.select('p.id'), query.sort, PIPELINE_SORTS, 'p.id'), query.page);
      const rows = await ordered(select().where('p.id', 'in', pageIds), query.sort, PIPELINE_SORTS, 'p.id').execute();
      // Everything in the org: the trigger-kept counter is exact and costs one row read.
      const everything = visibility.all && query.filters.length === 0 && !query.required?.length;
      const counted = everything ? () => orgPipelineCount(visibility.orgId) : undefined;
      return { items: toPipelines(rows), total: await total(filtered, query.page, rows.length, counted) };
    },
    async *streamByName(visibility, options) {
      if (!isUuid(visibility.orgId)) return;
      const batchSize = Math.max(1, Math.floor(options?.batchSize ?? 500));
      let after: string | null = null;
      for (;;) {
        // Keyset on the org's unique names (pipelines_org_name_key): no OFFSET, no COUNT.
        let batch = select().where('p.org_id', '=', visibility.orgId).where(shareableVisible('p', visibility));
        if (after !== null) batch = batch.where('p.name', '>', after);
        const rows = await batch.orderBy('p.name').limit(batchSize).execute();
        for (const row of rows) yield fromRow.pipeline(row);
        if (rows.length < batchSize) return;
        after = rows[rows.length - 1]!.name;
      }
    },
    async seqsOf(visibility, ids) {
      const wanted = [...new Set(ids.filter(isUuid))];
      if (!isUuid(visibility.orgId) || !wanted.length) return new Map();
      const rows = await db
        .selectFrom('pipelines as p')
        .select(['p.id', 'p.seq'])
        .where('p.org_id', '=', visibility.orgId)
        .where(shareableVisible('p', visibility))
        // One array parameter, whatever the batch size: one statement text for the plan cache.
        .where(sql<SqlBool>`p.id = any(${wanted}::uuid[])`)
        .execute();
      return new Map(rows.map((r) => [r.id, r.seq]));
    },
    async listScheduled() {
      return toPipelines(
        await select().where('p.enabled', '=', true).where('p.schedule', 'is not', null).orderBy('p.seq').execute(),
      );
    },
    async listByWorkflow(workflowId) {
      if (!isUuid(workflowId)) return [];
      return toPipelines(await select().where('p.workflow_id', '=', workflowId).orderBy('p.seq').execute());
    },
  };
}
