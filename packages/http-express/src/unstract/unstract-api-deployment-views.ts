import {
  isOwner,
  query,
  type Actor,
  type ApiDeployment,
  type Core,
  type Run,
  type User,
  type Workflow,
} from '@pipewright/core';
import { UserIntIds, namedUsers } from './unstract-users.js';
import { executionStatus, iso, runSummary } from './unstract-views.js';

/** API deployments → Unstract's JSON (APIDeploymentSerializer, its list serializer, the execution bodies). */

export const DEPLOYMENT_API_PATH = 'deployment/api';

export function deploymentEndpoint(orgSlug: string, apiName: string): string {
  return `${DEPLOYMENT_API_PATH}/${orgSlug}/${apiName}/`;
}

/** `GET/PUT/PATCH api/deployment/{id}/` (the serializer's `__all__` fields). */
export function apiDeploymentView(d: ApiDeployment, orgSlug: string, users: UserIntIds) {
  return {
    id: d.id,
    display_name: d.displayName,
    description: d.description,
    workflow: d.workflowId,
    is_active: d.isActive,
    api_endpoint: deploymentEndpoint(orgSlug, d.apiName),
    api_name: d.apiName,
    created_by: users.of(d.createdBy),
    modified_by: users.of(d.modifiedBy),
    shared_to_org: d.sharedToOrg,
    shared_users: users.list(d.sharedUserIds),
    shared_groups: [],
    organization: d.orgId,
    created_at: iso(d.createdAt),
    modified_at: iso(d.updatedAt),
  };
}

/** POST `api/deployment/` (DeploymentResponseSerializer: every field a string, `is_active` as Python prints it). */
export function createdDeploymentView(d: ApiDeployment, orgSlug: string, apiKey: string) {
  return {
    is_active: d.isActive ? 'True' : 'False',
    id: d.id,
    api_key: apiKey,
    api_endpoint: deploymentEndpoint(orgSlug, d.apiName),
    display_name: d.displayName,
    description: d.description,
    api_name: d.apiName,
  };
}

/** The runs an API deployment started: its workflow's pipeline-less runs triggered over the public route. */
async function deploymentRuns(core: Core, actor: Actor, d: ApiDeployment): Promise<{ last: Run[]; count: number }> {
  const page = await core.runs.list(
    actor,
    query({
      filters: [
        { field: 'workflowId', op: 'equals', value: d.workflowId },
        { field: 'pipelineId', op: 'isempty' },
        { field: 'trigger', op: 'equals', value: 'public' },
      ],
      sort: [{ field: 'createdAt', direction: 'desc' }],
      page: { page: 1, size: 5 },
    }),
  );
  return { last: [...page.items].reverse(), count: page.total };
}

/** A page of `api/deployment/` rows (APIDeploymentListSerializer). */
export async function apiDeploymentListRows(
  core: Core,
  actor: Actor,
  orgSlug: string,
  deployments: readonly ApiDeployment[],
) {
  const users = await core.admin.usersByIds(actor, deployments.flatMap(namedUsers).filter(Boolean));
  const byId = new Map<string, User>(users.map((u) => [u.id, u]));
  const ints = UserIntIds.of(users);
  const workflows = new Map<string, Workflow | null>();
  for (const id of new Set(deployments.map((d) => d.workflowId)))
    workflows.set(id, await core.workflows.get(actor, id).catch(() => null));
  return Promise.all(
    deployments.map(async (d) => {
      const runs = await deploymentRuns(core, actor, d);
      return {
        id: d.id,
        workflow: d.workflowId,
        workflow_name: workflows.get(d.workflowId)?.name ?? null,
        display_name: d.displayName,
        description: d.description,
        is_active: d.isActive,
        api_endpoint: deploymentEndpoint(orgSlug, d.apiName),
        api_name: d.apiName,
        created_by: ints.of(d.createdBy),
        created_by_email: byId.get(d.createdBy)?.email ?? null,
        last_5_run_statuses: runs.last.map(runSummary),
        run_count: runs.count,
        last_run_time: iso(runs.last.at(-1)?.createdAt),
        is_owner: isOwner(actor, d),
        co_owners_count: 1,
      };
    }),
  );
}

/** The `message` of `POST /deployment/api/{org}/{api_name}/` (APIExecutionResponseSerializer). */
export function deploymentExecutionView(run: Run, orgSlug: string, apiName: string) {
  return {
    execution_status: executionStatus(run.status),
    execution_id: run.id,
    status_api: `/${deploymentEndpoint(orgSlug, apiName)}?execution_id=${run.id}`,
    error: run.error,
    // Runs deliver their records to the workflow's destination; no result comes back in the response.
    result: null,
  };
}
