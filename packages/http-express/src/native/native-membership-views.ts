import type { Invitation, Organization } from '@pipewright/core';

/** An invitation as its organization's admin and its invitee see it. */
export const invitationView = (i: Invitation, org?: Organization) => ({
  id: i.id,
  status: 'invited' as const,
  email: i.email,
  role: i.role,
  ...(org ? { organization: { id: org.id, slug: org.slug, name: org.name } } : {}),
  created_at: i.createdAt.toISOString(),
  expires_at: i.expiresAt.toISOString(),
});
