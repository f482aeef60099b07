import type { MembershipRepository } from '@pipewright/core';
import { fromRow, toRow } from '../mapping.js';
import { membershipKey, type Db } from '../tables.js';

export function membershipRepository(db: Db): MembershipRepository {
  return {
    async upsert(membership) {
      await db.write((w) => {
        const key = membershipKey(membership.orgId, membership.userId);
        const existing = w.table('memberships').get(key);
        // Changing the role keeps the original creation time, as an SQL upsert of the role would.
        const row = toRow.membership(membership);
        w.mutable('memberships').set(key, existing ? { ...row, createdAt: existing.createdAt } : row);
      });
    },
    async find(orgId, userId) {
      const row = db.read().table('memberships').get(membershipKey(orgId, userId));
      return row ? fromRow.membership(row) : null;
    },
    async listAdminsForUpdate(orgId) {
      // The store's writer lock already serialises transactions: no row lock to take.
      return [...db.read().table('memberships').values()]
        .filter((m) => m.orgId === orgId && m.role === 'admin')
        .map(fromRow.membership);
    },
    async remove(orgId, userId) {
      await db.write((w) => {
        w.mutable('memberships').delete(membershipKey(orgId, userId));
      });
    },
  };
}
