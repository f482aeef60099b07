import { PermissionDeniedError } from '../errors/domain-error.js';
import type { WorkerProcess } from '../ports/operations.js';
import type { Principal } from './auth.service.js';
import type { CoreDeps } from './context.js';
import { assertServerAdmin } from './server-admin.js';

/** Server-wide operational reads (not of one organization): server admins only. */
export class OperationsService {
  constructor(private readonly deps: Pick<CoreDeps, 'storage' | 'settings' | 'workers'>) {}

  /**
   * The run queue's worker processes; `executor` says whether runs go through a queue at all
   * (`in-process`: no workers to list). PermissionDenied unless the principal is a server admin.
   */
  async workers(principal: Principal): Promise<{ executor: 'queue' | 'in-process'; items: WorkerProcess[] }> {
    if (principal.via === 'pipeline-key') throw new PermissionDeniedError();
    await assertServerAdmin(this.deps, principal.userId);
    const directory = this.deps.workers;
    return { executor: directory ? 'queue' : 'in-process', items: directory ? await directory.list() : [] };
  }
}
