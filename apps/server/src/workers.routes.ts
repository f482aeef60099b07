import { PermissionDeniedError, type Core } from '@pipewright/core';
import type { WorkerRegistry } from '@pipewright/executor-queue';
import { authenticate, type NativeRouteContribution } from '@pipewright/http-express';

/** GET /admin/api/v1/workers: the queue's worker processes with their last heartbeat (admins). */
export function workersRoutes(workers: () => WorkerRegistry | null): NativeRouteContribution {
  return (core: Core) => [
    {
      method: 'get',
      path: '/admin/api/v1/workers',
      summary: 'Worker processes of the run queue heard of in the last day, with their last heartbeat',
      responses: { 200: { description: 'The workers', schema: { type: 'object' } }, 403: { description: 'Problem', contentType: 'application/problem+json', schema: { type: 'object' } } },
      handler: async (req, res) => {
        const principal = await authenticate(core, req, res);
        const orgs = await core.admin.organizationsOf(principal.via === 'pipeline-key' ? principal.issuedBy : principal.userId);
        if (!orgs.some((o) => o.role === 'admin')) throw new PermissionDeniedError();
        const registry = workers();
        const list = registry ? await registry.list() : [];
        res.json({
          executor: registry ? 'queue' : 'in-process',
          items: list.map((w) => ({
            id: w.id,
            host: w.host,
            pid: w.pid,
            concurrency: w.concurrency,
            running: w.running,
            alive: w.alive,
            started_at: w.startedAt.toISOString(),
            last_heartbeat_at: w.lastHeartbeatAt.toISOString(),
            stopped_at: w.stoppedAt?.toISOString() ?? null,
          })),
        });
      },
    },
  ];
}
