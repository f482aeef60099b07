import { LOG_LEVELS, levelRank, type RunLogRepository } from '@pipewright/core';
import { fromRow, toRow } from '../mapping.js';
import { paged, total } from '../query/query-builder.js';
import { droppedForGoneRun, isUuid, type Db } from './support.js';
import { writing } from '../errors.js';

export function runLogRepository(db: Db): RunLogRepository {
  return {
    async append(logs) {
      if (logs.length === 0) return;
      // Appending the same line twice (a retried batch) keeps the first.
      await droppedForGoneRun(db, () =>
        writing({ run_id: logs[0]!.runId }, () =>
          db
            .insertInto('run_logs')
            .values(logs.map(toRow.runLog))
            .onConflict((oc) => oc.column('id').doNothing())
            .execute(),
        ),
      );
    },
    async list(runId, filter, page) {
      if (!isUuid(runId)) return { items: [], total: 0 };
      let lines = db.selectFrom('run_logs').where('run_id', '=', runId);
      if (filter.minLevel) lines = lines.where('level', 'in', LOG_LEVELS.slice(levelRank(filter.minLevel)));
      if (filter.fileExecutionId === null) lines = lines.where('file_execution_id', 'is', null);
      else if (filter.fileExecutionId !== undefined) {
        if (!isUuid(filter.fileExecutionId)) return { items: [], total: 0 };
        lines = lines.where('file_execution_id', '=', filter.fileExecutionId);
      }
      const rows = await paged(lines.selectAll().orderBy('time').orderBy('id'), page).execute();
      return { items: rows.map(fromRow.runLog), total: await total(lines, page, rows.length) };
    },
  };
}
