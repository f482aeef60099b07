import { ConflictError, type Role, type User, type UserRepository } from '@pipewright/core';
import { fromRow, toRow } from '../mapping.js';
import { paginate } from '../query-evaluator.js';
import { membershipKey, type Db, type Writer } from '../tables.js';

function assertEmailFree(w: Writer, id: string, email: string): void {
  for (const u of w.table('users').values()) if (u.email === email && u.id !== id) throw new ConflictError('user', 'email', email);
}

export function userRepository(db: Db): UserRepository {
  return {
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
        return row ? [{ user: fromRow.user(row), role: t.table('memberships').get(membershipKey(orgId, id))?.role ?? null }] : [];
      });
    },
    async findByIds(ids) {
      const users = db.read().table('users');
      return [...new Set(ids)].flatMap((id) => {
        const row = users.get(id);
        return row ? [fromRow.user(row)] : [];
      });
    },
    async count() {
      return db.read().table('users').size;
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
