import { ConflictError, WORKFLOW_FIELDS, type Workflow, type WorkflowRepository, type WorkflowState } from '@pipewright/core';
import { fromRow, toRow } from '../mapping.js';
import { matchQuery, paginate, sortRows } from '../query-evaluator.js';
import type { Db, Writer } from '../tables.js';
import { isVisible } from '../visibility.js';
import { deleteWorkflowCascade } from './cascades.js';

function assertNameFree(w: Writer, wf: Workflow): void {
  for (const other of w.table('workflows').values())
    if (other.orgId === wf.orgId && other.name === wf.name && other.id !== wf.id) throw new ConflictError('workflow', 'name', wf.name);
}

export function workflowRepository(db: Db): WorkflowRepository {
  const findById = async (id: string) => {
    const row = db.read().table('workflows').get(id);
    return row ? fromRow.workflow(row) : null;
  };
  return {
    async insert(workflow) {
      await db.write((w) => {
        if (w.table('workflows').has(workflow.id)) throw new ConflictError('workflow', 'id', workflow.id);
        assertNameFree(w, workflow);
        w.mutable('workflows').set(workflow.id, toRow.workflow(workflow));
      });
    },
    async update(workflow) {
      await db.write((w) => {
        if (!w.table('workflows').has(workflow.id)) return;
        assertNameFree(w, workflow);
        w.mutable('workflows').set(workflow.id, toRow.workflow(workflow));
      });
    },
    async delete(id) {
      await db.write((w) => deleteWorkflowCascade(w, id));
    },
    findById,
    // The transaction holds the store's lock, so a plain read is already exclusive.
    findByIdForUpdate: findById,
    async list(visibility, query) {
      const rows = [...db.read().table('workflows').values()].filter(
        (wf) => isVisible(visibility, wf) && matchQuery(WORKFLOW_FIELDS, { ...wf, search: wf.name }, query),
      );
      const page = paginate(
        sortRows(rows, query.sort, (wf, key) => wf[key as keyof WorkflowState] as string | Date),
        query.page,
      );
      return { items: page.items.map(fromRow.workflow), total: page.total };
    },
  };
}
