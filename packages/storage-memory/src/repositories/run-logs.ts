import { NotFoundError, levelRank, type RunLogRepository } from '@pipewright/core';
import { fromRow, toRow } from '../mapping.js';
import { paginate, sortRows } from '../query-evaluator.js';
import type { Db } from '../tables.js';

export function runLogRepository(db: Db): RunLogRepository {
  return {
    async append(logs) {
      if (logs.length === 0) return;
      await db.write((w) => {
        const table = w.mutable('runLogs');
        const runs = w.table('runs');
        for (const log of logs) {
          // The run went with its pipeline while it ran: dropped, or NotFound inside a transaction (as the foreign key does in SQL).
          if (!runs.has(log.runId)) {
            if (db.inTransaction) throw new NotFoundError('Run', log.runId);
            continue;
          }
          // Appending the same line twice (a retried batch) keeps the first.
          if (!w.table('runLogs').has(log.id)) table.set(log.id, toRow.runLog(log));
        }
      });
    },
    async list(runId, filter, page) {
      const min = filter.minLevel ? levelRank(filter.minLevel) : -1;
      const rows = [...db.read().table('runLogs').values()].filter(
        (l) =>
          l.runId === runId &&
          levelRank(l.level) >= min &&
          (filter.fileExecutionId === undefined || l.fileExecutionId === filter.fileExecutionId),
      );
      const result = paginate(
        sortRows(rows, [{ field: 'time', direction: 'asc' }], (l) => l.time),
        page,
      );
      return { items: result.items.map(fromRow.runLog), total: result.total };
    },
  };
}
