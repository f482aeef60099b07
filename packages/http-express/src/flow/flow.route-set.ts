import { Router } from 'express';
import { buildOpenApi } from '../shared/openapi.js';
import type { RouteSet, RouteSetContext } from '../shared/route-set.js';

/** The Flow-style route set (being built). */
export function flowRouteSet(ctx: RouteSetContext): RouteSet {
  return {
    name: 'flow',
    router: Router(),
    openapi: buildOpenApi({ title: 'Pipewright — Flow-style API', version: ctx.version ?? '0.1.0' }, [], { schemes: {}, default: [] }),
  };
}
