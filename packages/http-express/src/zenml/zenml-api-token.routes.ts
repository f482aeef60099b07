import { ValidationError, type Core } from '@pipewright/core';
import type { RouteSpec } from '../shared/openapi.js';
import { zenmlPrincipal } from './zenml-auth.js';
import { intParam, param } from './zenml-params.js';
import { errorSchema, errors } from './zenml-schemas.js';

/** ZenML's default lifetime of a generic API token: one hour. */
const DEFAULT_TTL_SECONDS = 3600;

/**
 * `GET /api/v1/api_token`: a short-lived access token for the caller, as a JSON string
 * (what the dashboard's "create token" shows). Only generic tokens: workload tokens (for a
 * schedule or a run) belong to ZenML orchestrators, which this server does not run.
 */
export function zenmlApiTokenRoutes(core: Core): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/api/v1/api_token',
      summary: 'Issue a short-lived API token',
      description:
        '`expires_in` seconds (default 3600, at most 7 days). `token_type` must be `generic`; workload-token parameters are refused (400).',
      tags: ['auth'],
      query: {
        token_type: { schema: { type: 'string', enum: ['generic'], default: 'generic' } },
        expires_in: { schema: { type: 'integer', minimum: 1, maximum: 7 * 24 * 3600, default: DEFAULT_TTL_SECONDS } },
      },
      responses: {
        200: { description: 'The token (a JSON string)', schema: { type: 'string' } },
        400: { description: 'A token this server does not issue', schema: errorSchema },
        ...errors,
      },
      handler: async (req, res) => {
        const principal = await zenmlPrincipal(core, req, res);
        const type = param(req, 'token_type') ?? 'generic';
        if (type !== 'generic')
          throw new ValidationError(`Only generic API tokens are issued by this server, not '${type}'.`);
        for (const workload of ['schedule_id', 'pipeline_run_id', 'step_run_id', 'deployment_id'])
          if (param(req, workload) !== undefined)
            throw new ValidationError(`'${workload}' is only for workload tokens, which this server does not issue.`);
        const { accessToken } = await core.auth.issueApiToken(
          principal,
          intParam(req, 'expires_in', DEFAULT_TTL_SECONDS),
        );
        res.json(accessToken);
      },
    },
  ];
}
