import { pageForIds, query, type Actor, type Core, type Pipeline, type Run, type Tag } from '@pipewright/core';
import type { PipelineRelations, RunRelations, UserInfo } from './zenml-views.js';

/**
 * Loads what a page of rows is rendered with, a few queries per page (never per row):
 * users with their project roles in one query, tags in one, latest runs in one.
 */

/** Users by id, with whether each is an admin of the actor's project. Unknown ids are skipped. */
export async function usersInfo(
  core: Core,
  actor: Actor,
  ids: Iterable<string | null | undefined>,
): Promise<Map<string, UserInfo>> {
  const wanted = [...new Set([...ids].filter((id): id is string => !!id))];
  // A user who left the project is shown without admin rights.
  const users = wanted.length ? await core.admin.usersWithRoles(actor, wanted) : [];
  return new Map(users.map(({ user, role }) => [user.id, { user, isAdmin: role === 'admin', projectId: actor.orgId }]));
}

/** Visible runs by id (one query). */
async function runsById(core: Core, actor: Actor, ids: string[]): Promise<Map<string, Run>> {
  if (!ids.length) return new Map();
  const page = await core.runs.list(
    actor,
    query({ required: [{ field: 'id', op: 'oneof', value: ids }], page: pageForIds(ids.length) }),
  );
  return new Map(page.items.map((r) => [r.id, r]));
}

export async function pipelineRelations(
  core: Core,
  actor: Actor,
  pipelines: readonly Pipeline[],
): Promise<PipelineRelations> {
  const latestIds = [...new Set(pipelines.flatMap((p) => (p.lastRun ? [p.lastRun.id] : [])))];
  const [tags, latestRuns] = await Promise.all([core.pipelines.tagsOf(pipelines), runsById(core, actor, latestIds)]);
  const users = await usersInfo(core, actor, [
    ...pipelines.map((p) => p.ownerId),
    ...[...latestRuns.values()].map((r) => r.triggeredBy),
  ]);
  return { users, tags, latestRuns };
}

export async function runRelations(core: Core, actor: Actor, runs: readonly Run[]): Promise<RunRelations> {
  const pipelineIds = [...new Set(runs.flatMap((r) => (r.pipelineId ? [r.pipelineId] : [])))];
  const [users, pipelines] = await Promise.all([
    usersInfo(
      core,
      actor,
      runs.map((r) => r.triggeredBy),
    ),
    pipelineIds.length
      ? core.pipelines.list(
          actor,
          query({ required: [{ field: 'id', op: 'oneof', value: pipelineIds }], page: pageForIds(pipelineIds.length) }),
        )
      : Promise.resolve({ items: [] as Pipeline[], total: 0 }),
  ]);
  return { users, pipelines: new Map(pipelines.items.map((p) => [p.id, p])) };
}

/** Creators and (when hydrated) tagged counts of a page of tags. */
export async function tagRelations(core: Core, actor: Actor, tags: readonly Tag[], hydrate: boolean) {
  const [users, counts] = await Promise.all([
    usersInfo(
      core,
      actor,
      tags.map((t) => t.createdBy),
    ),
    hydrate && tags.length ? core.tags.taggedCounts(tags.map((t) => t.id)) : Promise.resolve(new Map<string, number>()),
  ]);
  return { users, counts };
}
