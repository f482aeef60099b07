import {
  ConflictError,
  FILE_HISTORY_FIELDS,
  type FileHistoryRepository,
  type FileHistoryState,
} from '@pipewright/core';
import { fromRow, toRow } from '../mapping.js';
import { matchQuery, paginate, sortRows } from '../query-evaluator.js';
import type { Db } from '../tables.js';
import { deleteWhere } from './cascades.js';

export function fileHistoryRepository(db: Db): FileHistoryRepository {
  const rowsOf = (workflowId: string) =>
    [...db.read().table('fileHistories').values()].filter((h) => h.workflowId === workflowId);
  return {
    async findByFile(workflowId, cacheKey, filePath) {
      const row = rowsOf(workflowId).find((h) => h.cacheKey === cacheKey && h.filePath === filePath);
      return row ? fromRow.fileHistory(row) : null;
    },
    async findById(workflowId, id) {
      const row = db.read().table('fileHistories').get(id);
      return row && row.workflowId === workflowId ? fromRow.fileHistory(row) : null;
    },
    async insert(history) {
      await db.write((w) => {
        for (const h of w.table('fileHistories').values()) {
          if (h.id === history.id) throw new ConflictError('fileHistory', 'id', history.id);
          if (h.workflowId === history.workflowId && h.cacheKey === history.cacheKey && h.filePath === history.filePath)
            throw new ConflictError('fileHistory', 'filePath', history.filePath);
        }
        w.mutable('fileHistories').set(history.id, toRow.fileHistory(history));
      });
    },
    async update(history) {
      await db.write((w) => {
        if (!w.table('fileHistories').has(history.id)) return;
        w.mutable('fileHistories').set(history.id, toRow.fileHistory(history));
      });
    },
    async list(workflowId, query) {
      const rows = rowsOf(workflowId).filter((h) =>
        matchQuery(FILE_HISTORY_FIELDS, h as unknown as Record<string, unknown>, query),
      );
      const page = paginate(
        sortRows(rows, query.sort, (h, key) => h[key as keyof FileHistoryState] as string | number | Date),
        query.page,
      );
      return { items: page.items.map(fromRow.fileHistory), total: page.total };
    },
    async delete(workflowId, id) {
      return db.write((w) => deleteWhere(w, 'fileHistories', (h) => h.id === id && h.workflowId === workflowId) > 0);
    },
    async deleteMatching(workflowId, filters) {
      const all = { filters: [...filters], logical: 'and' as const };
      return db.write((w) =>
        deleteWhere(
          w,
          'fileHistories',
          (h) =>
            h.workflowId === workflowId &&
            matchQuery(FILE_HISTORY_FIELDS, h as unknown as Record<string, unknown>, all),
        ),
      );
    },
  };
}
