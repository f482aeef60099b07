import type { ApiKeyRepository } from '@pipewright/core';
import { writing } from '../errors.js';
import { fromRow, toRow } from '../mapping.js';
import { isUuid, type Db } from './support.js';

export function apiKeyRepository(db: Db): ApiKeyRepository {
  return {
    async insert(key) {
      const row = toRow.apiKey(key);
      await writing(row, () => db.insertInto('api_keys').values(row).execute());
    },
    async update(key) {
      const { id, ...changes } = toRow.apiKey(key);
      await writing(changes, () => db.updateTable('api_keys').set(changes).where('id', '=', id).execute());
    },
    async delete(id) {
      if (isUuid(id)) await db.deleteFrom('api_keys').where('id', '=', id).execute();
    },
    async findById(id) {
      if (!isUuid(id)) return null;
      const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? fromRow.apiKey(row) : null;
    },
    async findBySecretHash(secretHash) {
      const row = await db.selectFrom('api_keys').selectAll().where('secret_hash', '=', secretHash).executeTakeFirst();
      return row ? fromRow.apiKey(row) : null;
    },
    async listByTarget(orgId, kind, targetId) {
      if (!isUuid(orgId)) return [];
      const rows = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('target_id', '=', targetId)
        .where('kind', '=', kind)
        .where('org_id', '=', orgId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(fromRow.apiKey);
    },
    async touch(id, at) {
      if (isUuid(id)) await db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
    },
  };
}
