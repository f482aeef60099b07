import { ConflictError, type Organization, type OrganizationRepository, type Role } from '@pipewright/core';
import { fromRow, toRow } from '../mapping.js';
import { paginate } from '../query-evaluator.js';
import type { Sequences } from '../sequences.js';
import type { Db, Writer } from '../tables.js';

function assertSlugFree(w: Writer, id: string, slug: string): void {
  for (const o of w.table('organizations').values())
    if (o.slug === slug && o.id !== id) throw new ConflictError('organization', 'slug', slug);
}

export function organizationRepository(db: Db, sequences: Sequences): OrganizationRepository {
  return {
    async nextSeq() {
      return sequences.next('organization');
    },
    async insert(org: Organization) {
      await db.write((w) => {
        if (w.table('organizations').has(org.id)) throw new ConflictError('organization', 'id', org.id);
        assertSlugFree(w, org.id, org.slug);
        w.mutable('organizations').set(org.id, toRow.organization(org));
      });
    },
    async update(org: Organization) {
      await db.write((w) => {
        if (!w.table('organizations').has(org.id)) return;
        assertSlugFree(w, org.id, org.slug);
        w.mutable('organizations').set(org.id, toRow.organization(org));
      });
    },
    async findById(id) {
      const row = db.read().table('organizations').get(id);
      return row ? fromRow.organization(row) : null;
    },
    async findBySlug(slug) {
      for (const row of db.read().table('organizations').values())
        if (row.slug === slug) return fromRow.organization(row);
      return null;
    },
    async findBySeq(seq) {
      for (const row of db.read().table('organizations').values())
        if (row.seq === seq) return fromRow.organization(row);
      return null;
    },
    async listForUser(userId) {
      const r = db.read();
      const out: Array<{ organization: Organization; role: Role; joinedAt: number }> = [];
      for (const m of r.table('memberships').values()) {
        const org = m.userId === userId ? r.table('organizations').get(m.orgId) : undefined;
        if (org)
          out.push({
            organization: fromRow.organization(org),
            role: m.role,
            joinedAt: new Date(m.createdAt).getTime(),
          });
      }
      // Oldest membership first (the default organization), then by slug.
      out.sort((a, b) => a.joinedAt - b.joinedAt || bySlug(a.organization, b.organization));
      return out.map(({ organization, role }) => ({ organization, role }));
    },
    async listAll(page) {
      const all = [...db.read().table('organizations').values()].map(fromRow.organization).sort(bySlug);
      return paginate(all, page);
    },
    async listWithRunLimit() {
      const out: Organization[] = [];
      for (const row of db.read().table('organizations').values())
        if (row.maxConcurrentRuns !== null && row.maxConcurrentRuns !== undefined) out.push(fromRow.organization(row));
      return out;
    },
  };
}

function bySlug(a: Organization, b: Organization): number {
  return a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
