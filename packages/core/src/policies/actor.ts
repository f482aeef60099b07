import type { Role } from '../domain/user.js';

/**
 * Who is acting, in which organization. Built by the AuthService from a credential
 * and the dialect's org selector; every service call takes one.
 */
export interface Actor {
  kind: 'user' | 'service';
  /** The acting user; for a service principal, the user the key was issued by. */
  userId: string;
  orgId: string;
  role: Role;
}

/** What the policies need to know about a shareable resource. */
export interface Shareable {
  orgId: string;
  ownerId: string;
  sharedUserIds: readonly string[];
  sharedToOrg: boolean;
}
