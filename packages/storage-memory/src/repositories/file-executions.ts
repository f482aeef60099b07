import { NotFoundError, type FileExecutionRepository } from '@pipewright/core';
import { fromRow, toRow } from '../mapping.js';
import { paginate, sortRows } from '../query-evaluator.js';
import type { Db } from '../tables.js';

export function fileExecutionRepository(db: Db): FileExecutionRepository {
  return {
    async save(execution) {
      await db.write((w) => {
        // A gone run's execution: dropped, or NotFound inside a transaction (as runLogs.append).
        if (!w.table('runs').has(execution.runId)) {
          if (db.inTransaction) throw new NotFoundError('Run', execution.runId);
          return;
        }
        w.mutable('fileExecutions').set(execution.id, toRow.fileExecution(execution));
      });
    },
    async listByRun(runId, page) {
      const rows = [...db.read().table('fileExecutions').values()].filter((f) => f.runId === runId);
      const result = paginate(
        sortRows(rows, [{ field: 'createdAt', direction: 'asc' }], (f) => f.createdAt),
        page,
      );
      return { items: result.items.map(fromRow.fileExecution), total: result.total };
    },
  };
}
