import { ConflictError, type Invitation, type InvitationRepository } from '@pipewright/core';
import { fromRow, toRow } from '../mapping.js';
import type { Db, Writer } from '../tables.js';

function assertEmailFree(w: Writer, invitation: Invitation): void {
  for (const other of w.table('invitations').values())
    if (other.orgId === invitation.orgId && other.email === invitation.email && other.id !== invitation.id)
      throw new ConflictError('invitation', 'email', invitation.email, undefined, invitation.orgId);
}

export function invitationRepository(db: Db): InvitationRepository {
  return {
    async insert(invitation) {
      await db.write((w) => {
        if (w.table('invitations').has(invitation.id)) throw new ConflictError('invitation', 'id', invitation.id);
        assertEmailFree(w, invitation);
        w.mutable('invitations').set(invitation.id, toRow.invitation(invitation));
      });
    },
    async update(invitation) {
      await db.write((w) => {
        if (!w.table('invitations').has(invitation.id)) return;
        w.mutable('invitations').set(invitation.id, toRow.invitation(invitation));
      });
    },
    async delete(id) {
      await db.write((w) => {
        w.mutable('invitations').delete(id);
      });
    },
    async findById(id) {
      const row = db.read().table('invitations').get(id);
      return row ? fromRow.invitation(row) : null;
    },
    async findByEmail(orgId, email) {
      for (const row of db.read().table('invitations').values())
        if (row.orgId === orgId && row.email === email) return fromRow.invitation(row);
      return null;
    },
    async deleteExpired(scope, now) {
      return db.write((w) => {
        let deleted = 0;
        for (const row of [...w.table('invitations').values()]) {
          const inScope = 'orgId' in scope ? row.orgId === scope.orgId : row.email === scope.email;
          if (inScope && new Date(row.expiresAt).getTime() <= now.getTime()) {
            w.mutable('invitations').delete(row.id);
            deleted++;
          }
        }
        return deleted;
      });
    },
    async listForEmail(email) {
      return [...db.read().table('invitations').values()]
        .filter((row) => row.email === email)
        .sort((a, b) => new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime())
        .map(fromRow.invitation);
    },
  };
}
