import { PermissionDeniedError } from '../errors/domain-error.js';
import type { User } from '../domain/user.js';
import { isServerAdmin } from '../policies/server-admin.policy.js';
import type { CoreDeps } from './context.js';

/** The user, when a server admin (the `isServerAdmin` policy over their role); PermissionDenied otherwise. */
export async function assertServerAdmin(deps: Pick<CoreDeps, 'storage'>, userId: string): Promise<User> {
  const user = await deps.storage.users.findById(userId);
  if (!user || !isServerAdmin(user)) throw new PermissionDeniedError();
  return user;
}
