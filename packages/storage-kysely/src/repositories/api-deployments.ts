import { ApiDeployment, type ApiDeploymentRepository } from '@pipewright/core';
import { sql } from 'kysely';
import { writing } from '../errors.js';
import { paged, total } from '../query/query-builder.js';
import { shareableVisible } from '../query/visibility.js';
import type { NewRow, Row } from '../schema.js';
import { atomically, isUuid, type Db } from './support.js';

function toRow(d: ApiDeployment): NewRow<'api_deployments'> {
  const s = d.toState();
  return {
    id: s.id,
    org_id: s.orgId,
    workflow_id: s.workflowId,
    api_name: s.apiName,
    display_name: s.displayName,
    description: s.description,
    is_active: s.isActive,
    owner_id: s.ownerId,
    shared_user_ids: s.sharedUserIds,
    shared_to_org: s.sharedToOrg,
    created_by: s.createdBy,
    modified_by: s.modifiedBy,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}

function fromRow(r: Row<'api_deployments'>): ApiDeployment {
  return ApiDeployment.restore({
    id: r.id,
    orgId: r.org_id,
    workflowId: r.workflow_id,
    apiName: r.api_name,
    displayName: r.display_name,
    description: r.description,
    isActive: r.is_active,
    ownerId: r.owner_id,
    sharedUserIds: r.shared_user_ids,
    sharedToOrg: r.shared_to_org,
    createdBy: r.created_by,
    modifiedBy: r.modified_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
}

/** `%`, `_` and `\` taken literally in a LIKE pattern. */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export function apiDeploymentRepository(db: Db): ApiDeploymentRepository {
  return {
    async insert(deployment) {
      const row = toRow(deployment);
      await writing(row, () => db.insertInto('api_deployments').values(row).execute());
    },
    async update(deployment) {
      const { id, ...changes } = toRow(deployment);
      await writing(changes, () => db.updateTable('api_deployments').set(changes).where('id', '=', id).execute());
    },
    async delete(id) {
      if (!isUuid(id)) return;
      await atomically(db, async (tx) => {
        await tx.deleteFrom('api_keys').where('kind', '=', 'deployment').where('target_id', '=', id).execute();
        await tx.deleteFrom('api_deployments').where('id', '=', id).execute();
      });
    },
    async findById(id) {
      if (!isUuid(id)) return null;
      const row = await db.selectFrom('api_deployments').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? fromRow(row) : null;
    },
    async findByApiName(orgId, apiName) {
      if (!isUuid(orgId)) return null;
      const row = await db
        .selectFrom('api_deployments')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('api_name', '=', apiName)
        .executeTakeFirst();
      return row ? fromRow(row) : null;
    },
    async list(visibility, filter, page) {
      if (!isUuid(visibility.orgId)) return { items: [], total: 0 };
      if (filter.workflowId !== undefined && !isUuid(filter.workflowId)) return { items: [], total: 0 };
      let filtered = db
        .selectFrom('api_deployments as d')
        .where('d.org_id', '=', visibility.orgId)
        .where(shareableVisible('d', visibility));
      if (filter.workflowId !== undefined) filtered = filtered.where('d.workflow_id', '=', filter.workflowId);
      if (filter.apiName !== undefined) filtered = filtered.where('d.api_name', '=', filter.apiName);
      if (filter.search)
        filtered = filtered.where(sql<boolean>`d.display_name ilike ${`%${likeLiteral(filter.search)}%`}`);
      const rows = await paged(
        filtered.selectAll('d').orderBy('d.created_at', 'desc').orderBy('d.id', 'desc'),
        page,
      ).execute();
      return { items: rows.map(fromRow), total: await total(filtered, page, rows.length) };
    },
    async listByWorkflow(workflowId) {
      if (!isUuid(workflowId)) return [];
      const rows = await db.selectFrom('api_deployments').selectAll().where('workflow_id', '=', workflowId).execute();
      return rows.map(fromRow);
    },
  };
}
