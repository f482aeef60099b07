import type { ApiKeyRepository, Role } from '@pipewright/core';
import { sql } from 'kysely';
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
    async findCredential(secretHash) {
      // One round trip per authenticated request: the key, its owner, its org and the owner's role there.
      const row = await db
        .selectFrom('api_keys as k')
        .leftJoin('users as u', (j) =>
          j.on(sql.ref('u.id'), '=', sql`case when k.kind = 'personal' then k.target_id::uuid end`),
        )
        .leftJoin('organizations as o', 'o.id', 'k.org_id')
        .leftJoin('memberships as m', (j) => j.onRef('m.org_id', '=', 'k.org_id').onRef('m.user_id', '=', 'u.id'))
        .selectAll('k')
        .select([
          'u.is_active as owner_is_active',
          'o.id as o_id',
          'o.seq as o_seq',
          'o.slug as o_slug',
          'o.name as o_name',
          'o.mode as o_mode',
          'o.max_concurrent_runs as o_max_concurrent_runs',
          'o.created_at as o_created_at',
          'o.updated_at as o_updated_at',
          'm.role as owner_role',
        ])
        .where('k.secret_hash', '=', secretHash)
        .executeTakeFirst();
      if (!row) return null;
      const {
        owner_is_active,
        o_id,
        o_seq,
        o_slug,
        o_name,
        o_mode,
        o_max_concurrent_runs,
        o_created_at,
        o_updated_at,
        owner_role,
        ...key
      } = row;
      const personal = key.kind === 'personal';
      return {
        key: fromRow.apiKey(key),
        ownerActive: personal ? owner_is_active === true : true,
        organization:
          o_id === null
            ? null
            : fromRow.organization({
                id: o_id,
                seq: o_seq!,
                slug: o_slug!,
                name: o_name!,
                mode: o_mode!,
                max_concurrent_runs: o_max_concurrent_runs ?? null,
                created_at: o_created_at!,
                updated_at: o_updated_at!,
              }),
        ownerRole: personal ? ((owner_role as Role | null) ?? null) : null,
      };
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
