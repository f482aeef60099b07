import type { OrganizationRepository } from '@pipewright/core';
import { writing } from '../errors.js';
import { paged, total } from '../query/query-builder.js';
import { fromRow, toRow } from '../mapping.js';
import { isSeq, isUuid, nextValue, type Db } from './support.js';

export function organizationRepository(db: Db): OrganizationRepository {
  const one = (column: 'id' | 'slug' | 'seq', value: string | number) =>
    db
      .selectFrom('organizations')
      .selectAll()
      .where(column, '=', value)
      .executeTakeFirst()
      .then((row) => (row ? fromRow.organization(row) : null));
  return {
    nextSeq: () => nextValue(db, 'organization_seq'),
    async insert(org) {
      const row = toRow.organization(org);
      await writing(row, () => db.insertInto('organizations').values(row).execute());
    },
    async update(org) {
      const { id, ...changes } = toRow.organization(org);
      await writing(changes, () => db.updateTable('organizations').set(changes).where('id', '=', id).execute());
    },
    findById: async (id) => (isUuid(id) ? one('id', id) : null),
    findBySlug: (slug) => one('slug', slug),
    findBySeq: async (seq) => (isSeq(seq) ? one('seq', seq) : null),
    async listForUser(userId) {
      if (!isUuid(userId)) return [];
      const rows = await db
        .selectFrom('organizations as o')
        .innerJoin('memberships as m', 'm.org_id', 'o.id')
        .selectAll('o')
        .select('m.role')
        .where('m.user_id', '=', userId)
        // Oldest membership first: the user's default organization in every dialect.
        .orderBy('m.created_at')
        .orderBy('o.slug')
        .orderBy('o.id')
        .execute();
      return rows.map(({ role, ...org }) => ({
        organization: fromRow.organization(org),
        role: role as 'admin' | 'member',
      }));
    },
    async listAll(page) {
      const all = db.selectFrom('organizations');
      const rows = await paged(all.selectAll().orderBy('slug').orderBy('id'), page).execute();
      return { items: rows.map(fromRow.organization), total: await total(all, page, rows.length) };
    },
    async listWithRunLimit() {
      const rows = await db
        .selectFrom('organizations')
        .selectAll()
        .where('max_concurrent_runs', 'is not', null)
        .execute();
      return rows.map(fromRow.organization);
    },
  };
}
