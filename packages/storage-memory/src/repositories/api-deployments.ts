import {
  ApiDeployment,
  ConflictError,
  visibleUnder,
  type ApiDeploymentRepository,
  type ApiDeploymentState,
} from '@pipewright/core';
import { paginate } from '../query-evaluator.js';
import type { Db, Writer } from '../tables.js';
import { deleteWhere } from './cascades.js';

const copy = <T>(value: T): T => structuredClone(value);
const restore = (row: ApiDeploymentState) => ApiDeployment.restore(copy(row));

function assertApiNameFree(w: Writer, d: ApiDeployment): void {
  for (const other of w.table('apiDeployments').values())
    if (other.orgId === d.orgId && other.apiName === d.apiName && other.id !== d.id)
      throw new ConflictError('api deployment', 'apiName', d.apiName, undefined, d.orgId);
}

export function apiDeploymentRepository(db: Db): ApiDeploymentRepository {
  return {
    async insert(deployment) {
      await db.write((w) => {
        if (w.table('apiDeployments').has(deployment.id))
          throw new ConflictError('api deployment', 'id', deployment.id);
        assertApiNameFree(w, deployment);
        w.mutable('apiDeployments').set(deployment.id, copy(deployment.toState()));
      });
    },
    async update(deployment) {
      await db.write((w) => {
        if (!w.table('apiDeployments').has(deployment.id)) return;
        assertApiNameFree(w, deployment);
        w.mutable('apiDeployments').set(deployment.id, copy(deployment.toState()));
      });
    },
    async delete(id) {
      await db.write((w) => {
        deleteWhere(w, 'apiKeys', (k) => k.kind === 'deployment' && k.targetId === id);
        deleteWhere(w, 'apiDeployments', (d) => d.id === id);
      });
    },
    async findById(id) {
      const row = db.read().table('apiDeployments').get(id);
      return row ? restore(row) : null;
    },
    async findByApiName(orgId, apiName) {
      for (const row of db.read().table('apiDeployments').values())
        if (row.orgId === orgId && row.apiName === apiName) return restore(row);
      return null;
    },
    async list(visibility, filter, page) {
      const search = filter.search?.toLowerCase();
      const rows = [...db.read().table('apiDeployments').values()]
        .filter(
          (d) =>
            visibleUnder(visibility, d) &&
            (filter.workflowId === undefined || d.workflowId === filter.workflowId) &&
            (filter.apiName === undefined || d.apiName === filter.apiName) &&
            (!search || d.displayName.toLowerCase().includes(search)),
        )
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
      const result = paginate(rows, page);
      return { items: result.items.map(restore), total: result.total };
    },
    async listByWorkflow(workflowId) {
      return [...db.read().table('apiDeployments').values()].filter((d) => d.workflowId === workflowId).map(restore);
    },
  };
}
