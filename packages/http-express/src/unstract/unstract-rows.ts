import {
  isUuid,
  pageForIds,
  query,
  type Actor,
  type Core,
  type Pipeline,
  type User,
  type Workflow,
} from '@pipewright/core';
import { UserIntIds, namedUsers } from './unstract-users.js';
import { pipelineView, workflowView } from './unstract-views.js';

/**
 * Renders pages of rows with what they join (owners, workflows, last runs), each loaded
 * once per page rather than once per row.
 */

async function usersById(core: Core, actor: Actor, ids: string[]): Promise<Map<string, User>> {
  const users = await core.admin.usersByIds(actor, ids.filter(isUuid));
  return new Map(users.map((u) => [u.id, u]));
}

/** Owners, authors and shared users of a page of rows, in one query. */
async function usersOf(core: Core, actor: Actor, rows: readonly Parameters<typeof namedUsers>[0][]) {
  const users = await usersById(core, actor, rows.flatMap(namedUsers));
  return { byId: users, ints: UserIntIds.of(users.values()) };
}

/** The workflows among `ids` the actor can see (one query). */
async function workflowsById(core: Core, actor: Actor, ids: string[]): Promise<Map<string, Workflow>> {
  const unique = [...new Set(ids)];
  if (!unique.length) return new Map();
  const page = await core.workflows.list(
    actor,
    query({ filters: [{ field: 'id', op: 'oneof', value: unique }], page: pageForIds(unique.length) }),
  );
  return new Map(page.items.map((w) => [w.id, w]));
}

/** The names of the connections the workflows name (one query for a page). */
async function connectionNamesOf(
  core: Core,
  actor: Actor,
  workflows: Iterable<Workflow>,
): Promise<Map<string, string>> {
  const ids = new Set<string>();
  for (const wf of workflows) {
    const { source, destination } = wf.definition;
    for (const c of [source, destination]) if (c?.connection) ids.add(c.connection);
  }
  if (!ids.size) return new Map();
  const unique = [...ids];
  const page = await core.connections.list(
    actor,
    query({ filters: [{ field: 'id', op: 'oneof', value: unique }], page: pageForIds(unique.length) }),
  );
  return new Map(page.items.map((c) => [c.id, c.name]));
}

/** How many of a pipeline's latest runs a row shows (`last_5_run_statuses`). */
const LAST_RUNS = 5;

export interface PipelineRowOptions {
  orgSlug: string;
  /** Add the workflow and connector names (GET and POST responses). */
  detailed: boolean;
}

export async function pipelineRows(
  core: Core,
  actor: Actor,
  pipelines: readonly Pipeline[],
  options: PipelineRowOptions,
) {
  const [owners, workflows, lastRuns] = await Promise.all([
    usersOf(core, actor, pipelines),
    options.detailed
      ? workflowsById(
          core,
          actor,
          pipelines.map((p) => p.workflowId),
        )
      : Promise.resolve(null),
    core.runs.lastRunsOf(actor, pipelines, LAST_RUNS),
  ]);
  const connectionNames = workflows ? await connectionNamesOf(core, actor, workflows.values()) : undefined;
  return pipelines.map((p) =>
    pipelineView(p, {
      actor,
      orgSlug: options.orgSlug,
      owner: owners.byId.get(p.ownerId) ?? null,
      users: owners.ints,
      nextRunTime: core.pipelines.nextRunTime(p),
      lastRuns: lastRuns.get(p.id) ?? [],
      ...(workflows ? { workflow: workflows.get(p.workflowId) ?? null, connectionNames } : {}),
    }),
  );
}

export async function pipelineRow(core: Core, actor: Actor, pipeline: Pipeline, options: PipelineRowOptions) {
  return (await pipelineRows(core, actor, [pipeline], options))[0]!;
}

export async function workflowRows(core: Core, actor: Actor, workflows: readonly Workflow[]) {
  const users = await usersOf(core, actor, workflows);
  return workflows.map((w) => workflowView(w, { actor, owner: users.byId.get(w.ownerId) ?? null, users: users.ints }));
}

export async function workflowRow(core: Core, actor: Actor, workflow: Workflow) {
  return (await workflowRows(core, actor, [workflow]))[0]!;
}
