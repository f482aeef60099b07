import type { Core, OrgMode } from '@pipewright/core';
import { parseBody } from '../shared/dto.js';
import type { RouteSpec } from '../shared/openapi.js';
import { meergoActor } from './meergo-auth.js';
import { jsonObject, requireJsonBody } from './meergo-body.js';
import { SetWarehouseModeDto } from './meergo-dtos.js';
import { empty, err, workspaceHeader } from './meergo-schemas.js';

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
      responses: {
        200: empty,
        400: err('Bad request'),
        401: err('Unauthorized'),
        403: err('Forbidden'),
        404: err('workspace does not exist'),
      },
      handler: async (req, res) => {
        const actor = await meergoActor(core, req, res);
        const dto = parseBody(SetWarehouseModeDto, jsonObject(req));
        await core.admin.setMode(actor, dto.mode.toLowerCase() as OrgMode, {
          cancelOpenRuns: dto.cancelIncompatibleOperations === true,
        });
        res.status(200).end();
      },
    },
  ];
}
