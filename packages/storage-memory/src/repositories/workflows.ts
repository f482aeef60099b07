import {
  ConflictError,
  WORKFLOW_FIELDS,
  type ConnectorConfig,
  type Workflow,
  type WorkflowRepository,
  type WorkflowState,
} from '@pipewright/core';
import { fromRow, toRow } from '../mapping.js';
import { matchQuery, paginate, sortRows } from '../query-evaluator.js';
import type { Db, Writer } from '../tables.js';
import { isVisible } from '../visibility.js';
import { deleteWorkflowCascade } from './cascades.js';

function assertNameFree(w: Writer, wf: Workflow): void {
  for (const other of w.table('workflows').values())
    if (other.orgId === wf.orgId && other.name === wf.name && other.id !== wf.id)
      throw new ConflictError('workflow', 'name', wf.name, undefined, wf.orgId);
}

const hasOwn = (o: object, key: string) => Object.prototype.hasOwnProperty.call(o, key);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A side whose settings carry any of `keys` at their top level and which names no connection. */
function inlineSide(config: ConnectorConfig | null, keys: readonly string[]): boolean {
  if (!config || (typeof config.connection === 'string' && config.connection !== '')) return false;
  const settings = config.settings;
  return isObject(settings) && keys.some((key) => hasOwn(settings, key));
}

const oldestFirst = (a: WorkflowState, b: WorkflowState) =>
  a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

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
    async listWithSettingKeys(keys) {
      if (keys.length === 0) return [];
      return [...db.read().table('workflows').values()]
        .filter((wf) => inlineSide(wf.source, keys) || inlineSide(wf.destination, keys))
        .sort(oldestFirst)
        .map(fromRow.workflow);
    },
    async listByConnection(orgId, connectionId) {
      return [...db.read().table('workflows').values()]
        .filter(
          (wf) =>
            wf.orgId === orgId &&
            (wf.source?.connection === connectionId || wf.destination?.connection === connectionId),
        )
        .sort(oldestFirst)
        .map(fromRow.workflow);
    },
  };
}
