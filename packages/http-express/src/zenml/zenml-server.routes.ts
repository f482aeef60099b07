import { createHash } from 'node:crypto';
import { ValidationError, query, type Core } from '@pipewright/core';
import type { RouteSpec } from '../shared/openapi.js';
import type { RouteSetContext } from '../shared/route-set.js';
import { zenmlActor, zenmlPrincipal } from './zenml-auth.js';
import { boolParam } from './zenml-params.js';
import { errors, hydrateParam, responseModel } from './zenml-schemas.js';

/** A stable server id: the configured deployment id, else one derived from the public URL (same on every replica). */
export function serverId(ctx: RouteSetContext): string {
  if (ctx.deploymentId) return ctx.deploymentId;
  const h = createHash('sha256')
    .update(`pipewright:${ctx.publicUrl ?? 'local'}`)
    .digest('hex');
  const variant = ((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const infoSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    version: { type: 'string' },
    active: { type: 'boolean' },
    auth_scheme: { type: 'string', const: 'OAUTH2_PASSWORD_BEARER' },
    deployment_type: { type: 'string' },
    analytics_enabled: { type: 'boolean' },
  },
  required: ['id', 'version', 'auth_scheme'],
};

/** What ZenML clients ask a server before and right after logging in. */
export function zenmlServerRoutes(ctx: RouteSetContext): RouteSpec[] {
  const core: Core = ctx.core;
  const id = serverId(ctx);
  const version = ctx.version ?? '0.1.0';
  const started = new Date().toISOString();
  return [
    {
      method: 'get',
      path: '/api/v1/info',
      summary: 'Server information (no authentication)',
      tags: ['server'],
      secured: false,
      responses: { 200: { description: 'ServerModel', schema: infoSchema } },
      handler: (_req, res) => {
        res.json({
          id,
          name: 'pipewright',
          version,
          active: true,
          debug: false,
          deployment_type: 'other',
          database_type: 'other',
          secrets_store_type: 'none',
          auth_scheme: 'OAUTH2_PASSWORD_BEARER',
          server_url: ctx.publicUrl ?? '',
          dashboard_url: '',
          analytics_enabled: false,
          metadata: {},
          last_user_activity: null,
        });
      },
    },
    {
      method: 'get',
      path: '/api/v1/version',
      summary: 'Server version (no authentication)',
      tags: ['server'],
      secured: false,
      responses: { 200: { description: 'The version string', schema: { type: 'string' } } },
      handler: (_req, res) => {
        res.json(version);
      },
    },
    {
      method: 'get',
      path: '/api/v1/settings',
      summary: 'Server settings',
      tags: ['server'],
      query: hydrateParam(true),
      responses: { 200: { description: 'ServerSettingsResponse', schema: responseModel }, 401: errors[401] },
      handler: async (req, res) => {
        await zenmlPrincipal(core, req, res);
        const hydrate = boolParam(req, 'hydrate', true);
        res.json({
          id,
          permission_denied: false,
          body: {
            server_id: id,
            server_name: 'pipewright',
            logo_url: null,
            active: true,
            enable_analytics: false,
            display_announcements: false,
            display_updates: false,
            last_user_activity: new Date().toISOString(),
            updated: started,
          },
          metadata: hydrate ? {} : null,
          resources: {},
        });
      },
    },
    {
      method: 'get',
      path: '/api/v1/onboarding_state',
      summary:
        'Onboarding steps done (a logged-in user has verified a device; a project with a run has run a pipeline)',
      tags: ['server'],
      responses: {
        200: { description: 'Step names', schema: { type: 'array', items: { type: 'string' } } },
        401: errors[401],
      },
      handler: async (req, res) => {
        await zenmlPrincipal(core, req, res);
        const actor = await zenmlActor(core, req, res).catch((e: unknown) => {
          // A user in no project has run nothing.
          if (e instanceof ValidationError) return null;
          throw e;
        });
        const runs = actor ? await core.runs.list(actor, query({ page: { page: 1, size: 1 } })) : { total: 0 };
        res.json(runs.total > 0 ? ['device_verified', 'pipeline_run'] : ['device_verified']);
      },
    },
  ];
}
