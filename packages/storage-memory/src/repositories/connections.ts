import {
  CONNECTION_FIELDS,
  ConflictError,
  type Connection,
  type ConnectionRepository,
  type ConnectionState,
} from '@pipewright/core';
import { fromRow, toRow } from '../mapping.js';
import { matchQuery, paginate, sortRows } from '../query-evaluator.js';
import type { Sequences } from '../sequences.js';
import type { Db, Writer } from '../tables.js';

function assertNameFree(w: Writer, connection: Connection): void {
  for (const other of w.table('connections').values())
    if (other.orgId === connection.orgId && other.name === connection.name && other.id !== connection.id)
      throw new ConflictError('connection', 'name', connection.name, undefined, connection.orgId);
}

export function connectionRepository(db: Db, sequences: Sequences): ConnectionRepository {
  const findById = async (id: string) => {
    const row = db.read().table('connections').get(id);
    return row ? fromRow.connection(row) : null;
  };
  return {
    async nextSeq() {
      return sequences.next('connection');
    },
    async insert(connection) {
      await db.write((w) => {
        if (w.table('connections').has(connection.id)) throw new ConflictError('connection', 'id', connection.id);
        assertNameFree(w, connection);
        w.mutable('connections').set(connection.id, toRow.connection(connection));
      });
    },
    async update(connection) {
      await db.write((w) => {
        if (!w.table('connections').has(connection.id)) return;
        assertNameFree(w, connection);
        w.mutable('connections').set(connection.id, toRow.connection(connection));
      });
    },
    async delete(id) {
      return db.write((w) => {
        if (!w.table('connections').has(id)) return false;
        w.mutable('connections').delete(id);
        return true;
      });
    },
    findById,
    // The transaction holds the store's lock, so a plain read is already exclusive.
    findByIdForUpdate: findById,
    async findBySeq(seq) {
      for (const row of db.read().table('connections').values()) if (row.seq === seq) return fromRow.connection(row);
      return null;
    },
    async findByName(orgId, name) {
      for (const row of db.read().table('connections').values())
        if (row.orgId === orgId && row.name === name) return fromRow.connection(row);
      return null;
    },
    async list(orgId, query) {
      const rows = [...db.read().table('connections').values()].filter(
        (c) =>
          c.orgId === orgId &&
          matchQuery(CONNECTION_FIELDS, { ...c, search: c.name } as unknown as Record<string, unknown>, query),
      );
      const page = paginate(
        sortRows(rows, query.sort, (c, key) => c[key as keyof ConnectionState] as string | number | Date),
        query.page,
      );
      return { items: page.items.map(fromRow.connection), total: page.total };
    },
  };
}
