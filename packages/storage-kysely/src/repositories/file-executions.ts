import type { FileExecutionRepository } from '@pipewright/core';
import { fromRow, toRow } from '../mapping.js';
import { paged, total } from '../query/query-builder.js';
import { droppedForGoneRun, isUuid, type Db } from './support.js';
import { writing } from '../errors.js';

export function fileExecutionRepository(db: Db): FileExecutionRepository {
  return {
    async save(execution) {
      const row = toRow.fileExecution(execution);
      const { id: _id, ...changes } = row;
      await droppedForGoneRun(db, () =>
        writing(row, () =>
          db
            .insertInto('file_executions')
            .values(row)
            .onConflict((oc) => oc.column('id').doUpdateSet(changes))
            .execute(),
        ),
      );
    },
    async listByRun(runId, page) {
      if (!isUuid(runId)) return { items: [], total: 0 };
      const executions = db.selectFrom('file_executions').where('run_id', '=', runId);
      const rows = await paged(executions.selectAll().orderBy('created_at').orderBy('id'), page).execute();
      return { items: rows.map(fromRow.fileExecution), total: await total(executions, page, rows.length) };
    },
  };
}
