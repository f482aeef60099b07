import { ValidationError, type Core } from '@pipewright/core';
import type { RouteSpec } from '../shared/openapi.js';
import { single } from '../shared/request-url.js';
import { nativeActor, nativePrincipal } from './native-actor.js';

const BASE = '/admin/api/v1';
const obj = { type: 'object' };
const problem = { description: 'Problem (RFC 9457)', schema: obj, contentType: 'application/problem+json' };

function intParam(raw: unknown, name: string, fallback: number, max: number): number {
  const value = Number(single(raw as string | string[] | undefined) ?? fallback);
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw ValidationError.field(
      name,
      max === Number.MAX_SAFE_INTEGER ? 'Must be an integer ≥ 1.' : `Must be an integer from 1 to ${max}.`,
    );
  return value;
}

/** The scheduler's fire ledger of a pipeline, and the run queue's workers (server admins). */
export function operationsRoutes(core: Core): RouteSpec[] {
  return [
    {
      method: 'get',
      path: `${BASE}/pipelines/:id/schedule-fires`,
      summary: "A pipeline's schedule fires (the ledger), newest first, with their outcomes",
      query: {
        org: { schema: { type: 'string' } },
        page: { schema: { type: 'integer', minimum: 1, default: 1 } },
        size: { schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
      },
      responses: { 200: { description: 'A page of fires', schema: obj }, 400: problem, 404: problem },
      handler: async (req, res) => {
        const { actor } = await nativeActor(core, req, res);
        const page = intParam(req.query.page, 'page', 1, Number.MAX_SAFE_INTEGER);
        const size = intParam(req.query.size, 'size', 50, 1000);
        const { pipeline, nextFire, fires } = await core.schedules.fires(actor, String(req.params.id), { page, size });
        res.json({
          pipeline_id: pipeline.id,
          next_fire: nextFire?.toISOString() ?? null,
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
    {
      method: 'get',
      path: `${BASE}/workers`,
      summary: 'Worker processes of the run queue heard of in the last day, with their last heartbeat (server admins)',
      responses: { 200: { description: 'The workers', schema: obj }, 401: problem, 403: problem },
      handler: async (req, res) => {
        const principal = await nativePrincipal(core, req, res);
        const { executor, items } = await core.operations.workers(principal);
        res.json({
          executor,
          items: items.map((w) => ({
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
