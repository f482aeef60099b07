import { InvalidStateError, query, type Actor, type Core, type OrgMode } from '@pipewright/core';
import { parseBody } from '../shared/dto.js';
import type { RouteSpec } from '../shared/openapi.js';
import { meergoActor } from './meergo-auth.js';
import { jsonObject, requireJsonBody } from './meergo-body.js';
import { SetWarehouseModeDto } from './meergo-dtos.js';
import { empty, err, workspaceHeader } from './meergo-schemas.js';

/**
 * Cancels the workspace's runs that have not finished (Meergo's cancelIncompatibleOperations),
 * oldest first, a page at a time; each cancel moves the run out of the page's filter.
 */
async function cancelOpenRuns(core: Core, actor: Actor): Promise<void> {
  const tried = new Set<string>();
  for (;;) {
    const page = await core.runs.list(
      actor,
      query({ filters: [{ field: 'status', op: 'oneof', value: ['PENDING', 'EXECUTING'] }], sort: [{ field: 'createdAt', direction: 'asc' }], page: { page: 1, size: 100 } }),
    );
    const fresh = page.items.filter((r) => !tried.has(r.id));
    if (!fresh.length) return;
    for (const run of fresh) {
      tried.add(run.id);
      // A run that ended meanwhile cannot be cancelled: nothing to do.
      await core.runs.cancel(actor, run.id).catch((e) => {
        if (!(e instanceof InvalidStateError)) throw e;
      });
    }
  }
}

export function meergoWarehouseRoutes(core: Core): RouteSpec[] {
  return [
    {
      method: 'put',
      path: '/v1/warehouse/mode',
      summary: 'Set the warehouse mode',
      description:
        'Normal, Inspection or Maintenance (only Normal allows runs); workspace admins only. `cancelIncompatibleOperations: true` cancels the runs in progress. Empty body on success.',
      tags: ['warehouse'],
      headers: workspaceHeader,
      body: SetWarehouseModeDto,
      middleware: [requireJsonBody],
      responses: { 200: empty, 400: err('Bad request'), 401: err('Unauthorized'), 403: err('Forbidden'), 404: err('workspace does not exist') },
      handler: async (req, res) => {
        const actor = await meergoActor(core, req, res);
        const dto = parseBody(SetWarehouseModeDto, jsonObject(req));
        await core.admin.setMode(actor, dto.mode.toLowerCase() as OrgMode);
        if (dto.cancelIncompatibleOperations && dto.mode !== 'Normal') await cancelOpenRuns(core, actor);
        res.status(200).end();
      },
    },
  ];
}
