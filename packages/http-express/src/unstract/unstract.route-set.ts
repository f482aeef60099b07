import { Router } from 'express';
import { buildOpenApi } from '../shared/openapi.js';
import type { RouteSet, RouteSetContext } from '../shared/route-set.js';

/** The Unstract-style route set (being built). */
export function unstractRouteSet(ctx: RouteSetContext): RouteSet {
  return {
    name: 'unstract',
    router: Router(),
    openapi: buildOpenApi({ title: 'Pipewright — Unstract-style API', version: ctx.version ?? '0.1.0' }, [], { schemes: {}, default: [] }),
  };
}
