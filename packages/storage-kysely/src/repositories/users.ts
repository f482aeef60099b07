import type { Role, UserRepository } from '@pipewright/core';
import { sql } from 'kysely';
import { writing } from '../errors.js';
import { fromRow, toRow } from '../mapping.js';
import { USER_FILTERS, USER_SORTS } from '../query/fields.js';
import { matching, ordered, paged, total } from '../query/query-builder.js';
import { isSeq, isUuid, nextValue, uuids, type Db } from './support.js';

export function userRepository(db: Db): UserRepository {
  return {
    nextSeq: () => nextValue(db, 'user_seq'),
    async insert(user) {
      const row = toRow.user(user);
      await writing(row, () => db.insertInto('users').values(row).execute());
    },
    async update(user) {
      const { id, ...changes } = toRow.user(user);
      await writing(changes, () => db.updateTable('users').set(changes).where('id', '=', id).execute());
    },
    async findById(id) {
      if (!isUuid(id)) return null;
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? fromRow.user(row) : null;
    },
    async listServerAdminsForUpdate() {
      const rows = await db
        .selectFrom('users')
        .selectAll()
        .where('is_server_admin', '=', true)
        .where('is_active', '=', true)
        .orderBy('id')
        .forUpdate()
        .execute();
      return rows.map(fromRow.user);
    },
    async findByEmail(email) {
      const row = await db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
      return row ? fromRow.user(row) : null;
    },
    async findByIdsWithRole(orgId, ids) {
      const wanted = uuids(ids);
      if (wanted.length === 0) return [];
      // A malformed org id matches no membership (the nil uuid is never an org's id).
      const org = isUuid(orgId) ? orgId : '00000000-0000-0000-0000-000000000000';
      const rows = await db
        .selectFrom('users as u')
        .leftJoin('memberships as m', (j) => j.onRef('m.user_id', '=', 'u.id').on('m.org_id', '=', org))
        .selectAll('u')
        .select('m.role')
        .where('u.id', 'in', wanted)
        .execute();
      return rows.map(({ role, ...user }) => ({ user: fromRow.user(user), role: (role as Role | null) ?? null }));
    },
    async findByIds(ids) {
      const wanted = uuids(ids);
      if (wanted.length === 0) return [];
      const rows = await db.selectFrom('users').selectAll().where('id', 'in', wanted).execute();
      return rows.map(fromRow.user);
    },
    async findBySeqs(seqs) {
      const wanted = [...new Set(seqs)].filter(isSeq);
      if (wanted.length === 0) return [];
      const rows = await db.selectFrom('users').selectAll().where('seq', 'in', wanted).execute();
      return rows.map(fromRow.user);
    },
    async count() {
      const row = await db
        .selectFrom('users')
        .select(sql<number>`count(*)::int`.as('count'))
        .executeTakeFirstOrThrow();
      return row.count;
    },
    async queryMembers(orgId, query) {
      if (!isUuid(orgId)) return { items: [], total: 0 };
      const members = db
        .selectFrom('users as u')
        .innerJoin('memberships as m', 'm.user_id', 'u.id')
        .where('m.org_id', '=', orgId)
        .where(matching(query, USER_FILTERS));
      const rows = await paged(
        ordered(members.selectAll('u').select('m.role'), query.sort, USER_SORTS, 'u.id'),
        query.page,
      ).execute();
      return {
        items: rows.map(({ role, ...user }) => ({ user: fromRow.user(user), role: role as Role })),
        total: await total(members, query.page, rows.length),
      };
    },
    async listByOrg(orgId, page) {
      if (!isUuid(orgId)) return { items: [], total: 0 };
      const members = db
        .selectFrom('users as u')
        .innerJoin('memberships as m', 'm.user_id', 'u.id')
        .where('m.org_id', '=', orgId);
      const rows = await paged(
        members.selectAll('u').select('m.role').orderBy('u.email').orderBy('u.id'),
        page,
      ).execute();
      return {
        items: rows.map(({ role, ...user }) => ({ user: fromRow.user(user), role: role as 'admin' | 'member' })),
        total: await total(members, page, rows.length),
      };
    },
  };
}
