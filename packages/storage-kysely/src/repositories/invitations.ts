import type { InvitationRepository } from '@pipewright/core';
import { writing } from '../errors.js';
import { fromRow, toRow } from '../mapping.js';
import { isUuid, type Db } from './support.js';

export function invitationRepository(db: Db): InvitationRepository {
  return {
    async insert(invitation) {
      const row = toRow.invitation(invitation);
      await writing(row, () => db.insertInto('invitations').values(row).execute());
    },
    async update(invitation) {
      const { id, ...changes } = toRow.invitation(invitation);
      await writing(changes, () => db.updateTable('invitations').set(changes).where('id', '=', id).execute());
    },
    async delete(id) {
      if (!isUuid(id)) return;
      await db.deleteFrom('invitations').where('id', '=', id).execute();
    },
    async findById(id) {
      if (!isUuid(id)) return null;
      const row = await db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? fromRow.invitation(row) : null;
    },
    async findByEmail(orgId, email) {
      if (!isUuid(orgId)) return null;
      const row = await db
        .selectFrom('invitations')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('email', '=', email)
        .executeTakeFirst();
      return row ? fromRow.invitation(row) : null;
    },
    async deleteExpired(scope, now) {
      let query = db.deleteFrom('invitations').where('expires_at', '<=', now);
      if ('orgId' in scope) {
        if (!isUuid(scope.orgId)) return 0;
        query = query.where('org_id', '=', scope.orgId);
      } else query = query.where('email', '=', scope.email);
      const result = await query.executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async listForEmail(email) {
      const rows = await db
        .selectFrom('invitations')
        .selectAll()
        .where('email', '=', email)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(fromRow.invitation);
    },
  };
}
