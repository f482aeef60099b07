import type { ApiKey, Organization, Role, User } from '@pipewright/core';

export const orgView = (o: Organization, role?: Role) => ({
  id: o.id,
  slug: o.slug,
  seq: o.seq,
  name: o.name,
  mode: o.mode,
  ...(role ? { role } : {}),
});

export const userView = (u: User, role?: Role) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  is_active: u.isActive,
  ...(role ? { role } : {}),
});

export const keyView = (k: ApiKey) => ({
  id: k.id,
  prefix: k.prefix,
  kind: k.kind,
  description: k.description,
  is_active: k.isActive,
  last_used_at: k.lastUsedAt?.toISOString() ?? null,
  expires_at: k.expiresAt?.toISOString() ?? null,
  created_at: k.createdAt.toISOString(),
});

/** Opaque cursors for native lists (they carry the next page; clients must not parse them). */
export function encodeCursor(page: number): string {
  return Buffer.from(JSON.stringify({ p: page })).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number {
  if (!cursor) return 1;
  try {
    const p = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')).p;
    if (Number.isInteger(p) && p >= 1) return p;
  } catch {
    // fall through
  }
  return Number.NaN;
}
