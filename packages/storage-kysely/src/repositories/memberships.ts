import type { MembershipRepository } from '@pipewright/core';
import { fromRow, toRow } from '../mapping.js';
import { isUuid, type Db } from './support.js';

export function membershipRepository(db: Db): MembershipRepository {
  return {
    async upsert(membership) {
      const row = toRow.membership(membership);
      // Changing the role keeps the membership's original creation time.
      await db
        .insertInto('memberships')
        .values(row)
        .onConflict((oc) => oc.columns(['org_id', 'user_id']).doUpdateSet({ role: row.role }))
        .execute();
    },
    async find(orgId, userId) {
      if (!isUuid(orgId) || !isUuid(userId)) return null;
      const row = await db
        .selectFrom('memberships')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return row ? fromRow.membership(row) : null;
    },
    async listAdminsForUpdate(orgId) {
      if (!isUuid(orgId)) return [];
      const rows = await db
        .selectFrom('memberships')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('role', '=', 'admin')
        .orderBy('user_id')
        .forUpdate()
        .execute();
      return rows.map(fromRow.membership);
    },
    async remove(orgId, userId) {
      if (!isUuid(orgId) || !isUuid(userId)) return;
      await db.deleteFrom('memberships').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
    },
  };
}
