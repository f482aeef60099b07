import { ConflictError, TAG_FIELDS, type Tag, type TagRepository, type TagState } from '@pipewright/core';
import { fromRow, toRow } from '../mapping.js';
import { matchQuery, paginate, sortRows } from '../query-evaluator.js';
import type { Db, Writer } from '../tables.js';

function assertNameFree(w: Writer, tag: Tag): void {
  for (const other of w.table('tags').values())
    if (other.orgId === tag.orgId && other.name === tag.name && other.id !== tag.id)
      throw new ConflictError('tag', 'name', tag.name, undefined, tag.orgId);
}

export function tagRepository(db: Db): TagRepository {
  return {
    async insert(tag) {
      await db.write((w) => {
        if (w.table('tags').has(tag.id)) throw new ConflictError('tag', 'id', tag.id);
        assertNameFree(w, tag);
        w.mutable('tags').set(tag.id, toRow.tag(tag));
      });
    },
    async update(tag) {
      await db.write((w) => {
        if (!w.table('tags').has(tag.id)) return;
        assertNameFree(w, tag);
        w.mutable('tags').set(tag.id, toRow.tag(tag));
      });
    },
    async findById(id) {
      const row = db.read().table('tags').get(id);
      return row ? fromRow.tag(row) : null;
    },
    async findByName(orgId, name) {
      for (const row of db.read().table('tags').values())
        if (row.orgId === orgId && row.name === name) return fromRow.tag(row);
      return null;
    },
    async findByIds(ids) {
      const tags = db.read().table('tags');
      return [...new Set(ids)].flatMap((id) => {
        const row = tags.get(id);
        return row ? [fromRow.tag(row)] : [];
      });
    },
    async list(orgId, query) {
      const rows = [...db.read().table('tags').values()].filter(
        (t) => t.orgId === orgId && matchQuery(TAG_FIELDS, t as unknown as Record<string, unknown>, query),
      );
      const page = paginate(
        sortRows(rows, query.sort, (t, key) => t[key as keyof TagState] as string | Date),
        query.page,
      );
      return { items: page.items.map(fromRow.tag), total: page.total };
    },
    async taggedCounts(ids) {
      const wanted = new Set(ids);
      const counts = new Map<string, number>();
      const r = db.read();
      for (const id of wanted) if (r.table('tags').has(id)) counts.set(id, 0);
      for (const p of r.table('pipelines').values())
        for (const id of new Set(p.tagIds)) if (counts.has(id)) counts.set(id, counts.get(id)! + 1);
      return counts;
    },
  };
}
