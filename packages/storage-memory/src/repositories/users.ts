import { ConflictError, USER_FIELDS, type Role, type User, type UserRepository } from '@pipewright/core';
import { fromRow, toRow } from '../mapping.js';
import { matchQuery, paginate, sortRows } from '../query-evaluator.js';
import type { Sequences } from '../sequences.js';
import { membershipKey, type Db, type Writer } from '../tables.js';

function assertEmailFree(w: Writer, id: string, email: string): void {
  for (const u of w.table('users').values())
    if (u.email === email && u.id !== id) throw new ConflictError('user', 'email', email);
}

export function userRepository(db: Db, sequences: Sequences): UserRepository {
  return {
    async nextSeq() {
      return sequences.next('user');
    },
    async insert(user: User) {
      await db.write((w) => {
        if (w.table('users').has(user.id)) throw new ConflictError('user', 'id', user.id);
        assertEmailFree(w, user.id, user.email);
        w.mutable('users').set(user.id, toRow.user(user));
      });
    },
    async update(user: User) {
      await db.write((w) => {
        if (!w.table('users').has(user.id)) return;
        assertEmailFree(w, user.id, user.email);
        w.mutable('users').set(user.id, toRow.user(user));
      });
    },
    async listServerAdminsForUpdate() {
      // The store's writer lock already serialises transactions: no row lock to take.
      return [...db.read().table('users').values()].map(fromRow.user).filter((u) => u.isServerAdmin && u.isActive);
    },
    async findById(id) {
      const row = db.read().table('users').get(id);
      return row ? fromRow.user(row) : null;
    },
    async findByEmail(email) {
      for (const row of db.read().table('users').values()) if (row.email === email) return fromRow.user(row);
      return null;
    },
    async findByIdsWithRole(orgId, ids) {
      const t = db.read();
      return [...new Set(ids)].flatMap((id) => {
        const row = t.table('users').get(id);
        return row
          ? [{ user: fromRow.user(row), role: t.table('memberships').get(membershipKey(orgId, id))?.role ?? null }]
          : [];
      });
    },
    async findByIds(ids) {
      const users = db.read().table('users');
      return [...new Set(ids)].flatMap((id) => {
        const row = users.get(id);
        return row ? [fromRow.user(row)] : [];
      });
    },
    async findBySeqs(seqs) {
      const wanted = new Set(seqs);
      const found: User[] = [];
      for (const row of db.read().table('users').values()) if (wanted.has(row.seq)) found.push(fromRow.user(row));
      return found;
    },
    async count() {
      return db.read().table('users').size;
    },
    async queryMembers(orgId, query) {
      const r = db.read();
      const rows: Array<{ id: string; user: User; role: Role; fields: Record<string, unknown> }> = [];
      for (const m of r.table('memberships').values()) {
        const u = m.orgId === orgId ? r.table('users').get(m.userId) : undefined;
        if (!u) continue;
        const fields = {
          id: u.id,
          email: u.email,
          name: u.name,
          isActive: u.isActive,
          emailOptedIn: u.emailOptedIn ?? false,
          role: m.role,
          createdAt: u.createdAt,
          updatedAt: u.updatedAt,
        };
        if (matchQuery(USER_FIELDS, fields, query))
          rows.push({ id: u.id, user: fromRow.user(u), role: m.role, fields });
      }
      const result = paginate(
        sortRows(rows, query.sort, (row, key) => row.fields[key] as string | Date),
        query.page,
      );
      return { items: result.items.map(({ user, role }) => ({ user, role })), total: result.total };
    },
    async listByOrg(orgId, page) {
      const r = db.read();
      const rows: Array<{ user: User; role: Role; email: string }> = [];
      for (const m of r.table('memberships').values()) {
        const u = m.orgId === orgId ? r.table('users').get(m.userId) : undefined;
        if (u) rows.push({ user: fromRow.user(u), role: m.role, email: u.email });
      }
      rows.sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
      const result = paginate(rows, page);
      return { items: result.items.map(({ user, role }) => ({ user, role })), total: result.total };
    },
  };
}
