import { Router } from 'express';
import { buildOpenApi } from '../shared/openapi.js';
import type { RouteSet, RouteSetContext } from '../shared/route-set.js';

/** The Meergo-style route set (being built). */
export function meergoRouteSet(ctx: RouteSetContext): RouteSet {
  return {
    name: 'meergo',
    router: Router(),
    openapi: buildOpenApi({ title: 'Pipewright — Meergo-style API', version: ctx.version ?? '0.1.0' }, [], { schemes: {}, default: [] }),
  };
}
