/**
 * Whether a user operates the whole server (workers, every organization, run limits,
 * deactivations): a role of the user itself, apart from any organization role. An admin of an
 * organization, even the default one, is not a server admin by that.
 */
export function isServerAdmin(user: { isServerAdmin: boolean; isActive: boolean } | null | undefined): boolean {
  return !!user && user.isActive && user.isServerAdmin;
}
