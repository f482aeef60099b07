import type { WorkflowRepository } from '@pipewright/core';
import { sql, type SqlBool } from 'kysely';
import { writing } from '../errors.js';
import { fromRow, toRow } from '../mapping.js';
import { matching, ordered, paged, total } from '../query/query-builder.js';
import { WORKFLOW_FILTERS, WORKFLOW_SORTS } from '../query/fields.js';
import { shareableVisible } from '../query/visibility.js';
import { atomically, isUuid, type Db } from './support.js';

/**
 * A side (`source` / `destination`) whose settings object has any of `keys` at its top
 * level and which names no connection: credentials written inline before connections.
 */
const inlineSide = (side: 'source' | 'destination', keys: readonly string[]) => {
  const config = sql.ref(`w.${side}`);
  return sql<SqlBool>`(jsonb_typeof(${config} -> 'settings') = 'object'
    and (${config} -> 'settings') ?| ${[...keys]}::text[]
    and coalesce(${config} ->> 'connection', '') = '')`;
};

/** A side naming the connection (matches the partial expression indexes of the connections migration). */
const namesConnection = (side: 'source' | 'destination', connectionId: string) =>
  sql<SqlBool>`${sql.ref(`w.${side}`)} ->> 'connection' = ${connectionId}`;

export function workflowRepository(db: Db): WorkflowRepository {
  const byId = async (id: string, lock: boolean) => {
    if (!isUuid(id)) return null;
    const query = db.selectFrom('workflows').selectAll().where('id', '=', id);
    const row = await (lock ? query.forUpdate() : query).executeTakeFirst();
    return row ? fromRow.workflow(row) : null;
  };
  return {
    async insert(workflow) {
      const row = toRow.workflow(workflow);
      await writing(row, () => db.insertInto('workflows').values(row).execute());
    },
    async update(workflow) {
      const { id, ...changes } = toRow.workflow(workflow);
      await writing(changes, () => db.updateTable('workflows').set(changes).where('id', '=', id).execute());
    },
    async delete(id) {
      if (!isUuid(id)) return;
      await atomically(db, async (tx) => {
        // File histories and API deployments go by foreign-key cascade (the deployments' keys
        // first, as keys have no foreign key); runs of its pipelines stay with the pipelines.
        const deployments = tx
          .selectFrom('api_deployments')
          .select(sql<string>`id::text`.as('id'))
          .where('workflow_id', '=', id);
        await tx
          .deleteFrom('api_keys')
          .where('kind', '=', 'deployment')
          .where('target_id', 'in', deployments)
          .execute();
        await tx.deleteFrom('runs').where('workflow_id', '=', id).where('pipeline_id', 'is', null).execute();
        await tx.deleteFrom('workflows').where('id', '=', id).execute();
      });
    },
    findById: (id) => byId(id, false),
    findByIdForUpdate: (id) => byId(id, true),
    async list(visibility, query) {
      if (!isUuid(visibility.orgId)) return { items: [], total: 0 };
      const filtered = db
        .selectFrom('workflows as w')
        .where('w.org_id', '=', visibility.orgId)
        .where(shareableVisible('w', visibility))
        .where(matching(query, WORKFLOW_FILTERS));
      const rows = await paged(
        ordered(filtered.selectAll('w'), query.sort, WORKFLOW_SORTS, 'w.id'),
        query.page,
      ).execute();
      return { items: rows.map(fromRow.workflow), total: await total(filtered, query.page, rows.length) };
    },
    async listWithSettingKeys(keys) {
      const wanted = [...new Set(keys.filter((k) => typeof k === 'string' && k !== ''))];
      if (wanted.length === 0) return [];
      const rows = await db
        .selectFrom('workflows as w')
        .selectAll('w')
        .where((eb) => eb.or([inlineSide('source', wanted), inlineSide('destination', wanted)]))
        .orderBy('w.created_at')
        .orderBy('w.id')
        .execute();
      return rows.map(fromRow.workflow);
    },
    async listByConnection(orgId, connectionId) {
      if (!isUuid(orgId) || typeof connectionId !== 'string' || connectionId === '') return [];
      const rows = await db
        .selectFrom('workflows as w')
        .selectAll('w')
        .where('w.org_id', '=', orgId)
        .where((eb) => eb.or([namesConnection('source', connectionId), namesConnection('destination', connectionId)]))
        .orderBy('w.created_at')
        .orderBy('w.id')
        .execute();
      return rows.map(fromRow.workflow);
    },
  };
}
