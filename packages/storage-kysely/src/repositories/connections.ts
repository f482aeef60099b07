import type { ConnectionRepository } from '@pipewright/core';
import { writing } from '../errors.js';
import { fromRow, toRow } from '../mapping.js';
import { matching, ordered, paged, total } from '../query/query-builder.js';
import { CONNECTION_FILTERS, CONNECTION_SORTS } from '../query/fields.js';
import { isSeq, isUuid, nextValue, type Db } from './support.js';

export function connectionRepository(db: Db): ConnectionRepository {
  const byId = async (id: string, lock: boolean) => {
    if (!isUuid(id)) return null;
    const query = db.selectFrom('connections').selectAll().where('id', '=', id);
    const row = await (lock ? query.forUpdate() : query).executeTakeFirst();
    return row ? fromRow.connection(row) : null;
  };
  return {
    nextSeq: () => nextValue(db, 'connection_seq'),
    async insert(connection) {
      const row = toRow.connection(connection);
      await writing(row, () => db.insertInto('connections').values(row).execute());
    },
    async update(connection) {
      const { id, ...changes } = toRow.connection(connection);
      await writing(changes, () => db.updateTable('connections').set(changes).where('id', '=', id).execute());
    },
    async delete(id) {
      if (!isUuid(id)) return false;
      const result = await db.deleteFrom('connections').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    findById: (id) => byId(id, false),
    findByIdForUpdate: (id) => byId(id, true),
    async findBySeq(seq) {
      if (!isSeq(seq)) return null;
      const row = await db.selectFrom('connections').selectAll().where('seq', '=', seq).executeTakeFirst();
      return row ? fromRow.connection(row) : null;
    },
    async findByName(orgId, name) {
      if (!isUuid(orgId)) return null;
      const row = await db
        .selectFrom('connections')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('name', '=', name)
        .executeTakeFirst();
      return row ? fromRow.connection(row) : null;
    },
    async list(orgId, query) {
      if (!isUuid(orgId)) return { items: [], total: 0 };
      const filtered = db
        .selectFrom('connections as c')
        .where('c.org_id', '=', orgId)
        .where(matching(query, CONNECTION_FILTERS));
      const rows = await paged(
        ordered(filtered.selectAll('c'), query.sort, CONNECTION_SORTS, 'c.id'),
        query.page,
      ).execute();
      return { items: rows.map(fromRow.connection), total: await total(filtered, query.page, rows.length) };
    },
  };
}
