import type { TagRepository } from '@pipewright/core';
import { sql } from 'kysely';
import { writing } from '../errors.js';
import { fromRow, toRow } from '../mapping.js';
import { matching, ordered, paged, total } from '../query/query-builder.js';
import { TAG_FILTERS, TAG_SORTS } from '../query/fields.js';
import { isUuid, uuids, type Db } from './support.js';

export function tagRepository(db: Db): TagRepository {
  return {
    async insert(tag) {
      const row = toRow.tag(tag);
      await writing(row, () => db.insertInto('tags').values(row).execute());
    },
    async update(tag) {
      const { id, ...changes } = toRow.tag(tag);
      await writing(changes, () => db.updateTable('tags').set(changes).where('id', '=', id).execute());
    },
    async findById(id) {
      if (!isUuid(id)) return null;
      const row = await db.selectFrom('tags').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? fromRow.tag(row) : null;
    },
    async findByName(orgId, name) {
      if (!isUuid(orgId)) return null;
      const row = await db
        .selectFrom('tags')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('name', '=', name)
        .executeTakeFirst();
      return row ? fromRow.tag(row) : null;
    },
    async findByIds(ids) {
      const wanted = uuids(ids);
      if (wanted.length === 0) return [];
      const rows = await db.selectFrom('tags').selectAll().where('id', 'in', wanted).execute();
      return rows.map(fromRow.tag);
    },
    async list(orgId, query) {
      if (!isUuid(orgId)) return { items: [], total: 0 };
      const filtered = db.selectFrom('tags as t').where('t.org_id', '=', orgId).where(matching(query, TAG_FILTERS));
      const rows = await paged(ordered(filtered.selectAll('t'), query.sort, TAG_SORTS, 't.id'), query.page).execute();
      return { items: rows.map(fromRow.tag), total: await total(filtered, query.page, rows.length) };
    },
    async taggedCounts(ids) {
      const wanted = uuids(ids);
      if (wanted.length === 0) return new Map();
      const rows = await db
        .selectFrom('tags as t')
        .leftJoin('pipeline_tags as pt', 'pt.tag_id', 't.id')
        .select(['t.id', sql<number>`count(pt.pipeline_id)::int`.as('count')])
        .where('t.id', 'in', wanted)
        .groupBy('t.id')
        .execute();
      return new Map(rows.map((r) => [r.id, r.count]));
    },
  };
}
