import type { FileHistoryRepository } from '@pipewright/core';
import { writing } from '../errors.js';
import { fromRow, toRow } from '../mapping.js';
import { matching, ordered, paged, total } from '../query/query-builder.js';
import { FILE_HISTORY_FILTERS, FILE_HISTORY_SORTS } from '../query/fields.js';
import { isUuid, type Db } from './support.js';

export function fileHistoryRepository(db: Db): FileHistoryRepository {
  return {
    async findByFile(workflowId, cacheKey, filePath) {
      if (!isUuid(workflowId)) return null;
      const row = await db
        .selectFrom('file_histories')
        .selectAll()
        .where('workflow_id', '=', workflowId)
        .where('cache_key', '=', cacheKey)
        .where('file_path', '=', filePath)
        .executeTakeFirst();
      return row ? fromRow.fileHistory(row) : null;
    },
    async findById(workflowId, id) {
      if (!isUuid(workflowId) || !isUuid(id)) return null;
      const row = await db
        .selectFrom('file_histories')
        .selectAll()
        .where('id', '=', id)
        .where('workflow_id', '=', workflowId)
        .executeTakeFirst();
      return row ? fromRow.fileHistory(row) : null;
    },
    async insert(history) {
      const row = toRow.fileHistory(history);
      await writing(row, () => db.insertInto('file_histories').values(row).execute());
    },
    async update(history) {
      const { id, ...changes } = toRow.fileHistory(history);
      await writing(changes, () => db.updateTable('file_histories').set(changes).where('id', '=', id).execute());
    },
    async list(workflowId, query) {
      if (!isUuid(workflowId)) return { items: [], total: 0 };
      const filtered = db
        .selectFrom('file_histories as fh')
        .where('fh.workflow_id', '=', workflowId)
        .where(matching(query, FILE_HISTORY_FILTERS));
      const rows = await paged(
        ordered(filtered.selectAll('fh'), query.sort, FILE_HISTORY_SORTS, 'fh.id'),
        query.page,
      ).execute();
      return { items: rows.map(fromRow.fileHistory), total: await total(filtered, query.page, rows.length) };
    },
    async delete(workflowId, id) {
      if (!isUuid(workflowId) || !isUuid(id)) return false;
      const result = await db
        .deleteFrom('file_histories')
        .where('id', '=', id)
        .where('workflow_id', '=', workflowId)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
    async deleteMatching(workflowId, filters) {
      if (!isUuid(workflowId)) return 0;
      const result = await db
        .deleteFrom('file_histories as fh')
        .where('fh.workflow_id', '=', workflowId)
        .where(matching({ filters, logical: 'and' }, FILE_HISTORY_FILTERS))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
