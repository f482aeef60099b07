import { NotFoundError, type Core } from '@pipewright/core';
import type { RouteSpec } from '../shared/openapi.js';
import { zenmlPrincipal } from './zenml-auth.js';
import { assertPageExists, pageView } from './zenml-page.js';
import { uuidPath } from './zenml-params.js';
import { pageParams } from './zenml-query.js';
import { errorSchema, errors, pageSchema } from './zenml-schemas.js';

/**
 * ZenML collections Pipewright has no concept for, by path and by the entity name ZenML's
 * "Unable to get <entity> with ID …" message uses. They answer an empty Page (any filter of
 * an empty collection is exactly empty) and a 404 by id, so the dashboard's pages for them
 * render empty instead of failing.
 */
export const EMPTY_COLLECTIONS: ReadonlyArray<{ path: string; entity: string }> = [
  { path: 'pipeline_snapshots', entity: 'snapshot' },
  { path: 'deployments', entity: 'deployment' },
  { path: 'run_templates', entity: 'run template' },
  { path: 'schedules', entity: 'schedule' },
  { path: 'steps', entity: 'step run' },
  { path: 'stacks', entity: 'stack' },
  { path: 'components', entity: 'stack component' },
  { path: 'flavors', entity: 'flavor' },
  { path: 'secrets', entity: 'secret' },
  { path: 'service_connectors', entity: 'service connector' },
  { path: 'service_accounts', entity: 'service account' },
  { path: 'artifacts', entity: 'artifact' },
  { path: 'artifact_versions', entity: 'artifact version' },
  { path: 'models', entity: 'model' },
  { path: 'model_versions', entity: 'model version' },
  { path: 'code_repositories', entity: 'code repository' },
  { path: 'pipeline_builds', entity: 'build' },
  { path: 'event_sources', entity: 'event source' },
  { path: 'actions', entity: 'action' },
  { path: 'triggers', entity: 'trigger' },
  { path: 'devices', entity: 'authorized device' },
];

export function zenmlEmptyRoutes(core: Core): RouteSpec[] {
  return EMPTY_COLLECTIONS.flatMap(({ path, entity }): RouteSpec[] => [
    {
      method: 'get',
      path: `/api/v1/${path}`,
      summary: `List ${entity}s (none: not a Pipewright concept)`,
      tags: ['not supported'],
      query: {
        page: { schema: { type: 'integer', minimum: 1, default: 1 } },
        size: { schema: { type: 'integer', minimum: 1, maximum: 10000, default: 20 } },
      },
      responses: {
        200: { description: 'An empty page', schema: pageSchema },
        400: { description: 'Page past the end', schema: errorSchema },
        ...errors,
      },
      handler: async (req, res) => {
        await zenmlPrincipal(core, req, res);
        const page = pageParams(req, 'BaseFilter');
        assertPageExists(page, 0);
        res.json(pageView(page, 0, []));
      },
    },
    {
      method: 'get',
      path: `/api/v1/${path}/:id`,
      summary: `Get a ${entity} (never found)`,
      tags: ['not supported'],
      responses: { ...errors },
      handler: async (req, res) => {
        await zenmlPrincipal(core, req, res);
        throw new NotFoundError(entity, uuidPath(req, 'id', `${path.replace(/s$/, '')}_id`));
      },
    },
  ]);
}
