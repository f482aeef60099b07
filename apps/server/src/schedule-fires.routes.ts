import { ValidationError, type Core } from '@pipewright/core';
import { authenticate, single, type NativeRouteContribution } from '@pipewright/http-express';
import type { NodeCronScheduler } from '@pipewright/scheduler-node-cron';

/** GET /admin/api/v1/pipelines/{id}/schedule-fires: the scheduler's ledger for one pipeline, newest first. */
export function scheduleFiresRoutes(scheduler: () => NodeCronScheduler | null): NativeRouteContribution {
  return (core: Core) => [
    {
      method: 'get',
      path: '/admin/api/v1/pipelines/:id/schedule-fires',
      summary: "A pipeline's schedule fires (the ledger), newest first, with their outcomes",
      query: {
        org: { schema: { type: 'string' } },
        page: { schema: { type: 'integer', minimum: 1, default: 1 } },
        size: { schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
      },
      responses: { 200: { description: 'A page of fires', schema: { type: 'object' } }, 404: { description: 'Problem', contentType: 'application/problem+json', schema: { type: 'object' } } },
      handler: async (req, res) => {
        const principal = await authenticate(core, req, res);
        const org = single(req.query.org);
        const actor = org
          ? await core.auth.actorFor(principal, { slug: org })
          : principal.via === 'personal-key'
            ? await core.auth.actorFor(principal, { id: principal.orgId })
            : await core.auth.actorIn(principal, (await core.admin.organizationsOf(principal.via === 'token' ? principal.userId : principal.issuedBy))[0]!.organization);
        const pipeline = await core.pipelines.get(actor, String(req.params.id));
        const page = Number(single(req.query.page) ?? 1);
        const size = Number(single(req.query.size) ?? 50);
        if (!Number.isInteger(page) || page < 1) throw ValidationError.field('page', 'Must be an integer ≥ 1.');
        if (!Number.isInteger(size) || size < 1 || size > 1000) throw ValidationError.field('size', 'Must be an integer from 1 to 1000.');
        const s = scheduler();
        const fires = s ? await s.fires(pipeline.id, { page, size }) : { items: [], total: 0 };
        res.json({
          pipeline_id: pipeline.id,
          next_fire: core.pipelines.nextRunTime(pipeline)?.toISOString() ?? null,
          total: fires.total,
          items: fires.items.map((f) => ({
            fire_at: f.fireAt.toISOString(),
            outcome: f.outcome,
            reason: f.reason,
            run_id: f.runId,
            claimed_by: f.claimedBy,
            claimed_at: f.claimedAt.toISOString(),
          })),
        });
      },
    },
  ];
}
