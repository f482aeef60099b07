import { ConflictError, type ApiKeyRepository } from '@pipewright/core';
import { fromRow, toRow } from '../mapping.js';
import { sortRows } from '../query-evaluator.js';
import { membershipKey, type Db } from '../tables.js';

export function apiKeyRepository(db: Db): ApiKeyRepository {
  return {
    async insert(key) {
      await db.write((w) => {
        if (w.table('apiKeys').has(key.id)) throw new ConflictError('apiKey', 'id', key.id);
        w.mutable('apiKeys').set(key.id, toRow.apiKey(key));
      });
    },
    async update(key) {
      await db.write((w) => {
        if (w.table('apiKeys').has(key.id)) w.mutable('apiKeys').set(key.id, toRow.apiKey(key));
      });
    },
    async delete(id) {
      await db.write((w) => {
        if (w.table('apiKeys').has(id)) w.mutable('apiKeys').delete(id);
      });
    },
    async findById(id) {
      const row = db.read().table('apiKeys').get(id);
      return row ? fromRow.apiKey(row) : null;
    },
    async findBySecretHash(secretHash) {
      for (const row of db.read().table('apiKeys').values())
        if (row.secretHash === secretHash) return fromRow.apiKey(row);
      return null;
    },
    async findCredential(secretHash) {
      const t = db.read();
      for (const row of t.table('apiKeys').values()) {
        if (row.secretHash !== secretHash) continue;
        const personal = row.kind === 'personal';
        const owner = personal ? t.table('users').get(row.targetId) : undefined;
        const org = t.table('organizations').get(row.orgId);
        const membership = personal ? t.table('memberships').get(membershipKey(row.orgId, row.targetId)) : undefined;
        return {
          key: fromRow.apiKey(row),
          ownerActive: personal ? owner?.isActive === true : true,
          organization: org ? fromRow.organization(org) : null,
          ownerRole: membership && owner ? membership.role : null,
        };
      }
      return null;
    },
    async listByTarget(orgId, kind, targetId) {
      const rows = [...db.read().table('apiKeys').values()].filter(
        (k) => k.orgId === orgId && k.kind === kind && k.targetId === targetId,
      );
      return sortRows(rows, [{ field: 'createdAt', direction: 'asc' }], (k) => k.createdAt).map(fromRow.apiKey);
    },
    async touch(id, at) {
      await db.write((w) => {
        const row = w.table('apiKeys').get(id);
        if (row) w.mutable('apiKeys').set(id, { ...row, lastUsedAt: new Date(at) });
      });
    },
  };
}
