import type { Organization, Pipeline, Run, Tag, User } from '@pipewright/core';
import { ZENML_STATUS } from './zenml-status.js';

/**
 * Domain → ZenML response models. Every model is `{id, name?, permission_denied, body,
 * metadata, resources}`; `hydrate=false` nulls `metadata` only. Nested models (a pipeline's
 * user, its tags) are unhydrated, as ZenML's `to_model()` renders them: metadata and
 * resources null.
 */

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/** A user as one project (organization) sees it. */
export interface UserInfo {
  user: User;
  isAdmin: boolean;
  /** The project the request is scoped to (ZenML's default project of the user). */
  projectId: string;
}

/** The related rows a page of pipelines is rendered with (loaded in a few queries per page). */
export interface PipelineRelations {
  users: Map<string, UserInfo>;
  tags: Map<string, Tag>;
  latestRuns: Map<string, Run>;
}

/** The related rows a page of runs is rendered with. */
export interface RunRelations {
  users: Map<string, UserInfo>;
  /** The runs' pipelines the actor may see. */
  pipelines: Map<string, Pipeline>;
}

export type View = Record<string, unknown>;

/** ZenML's UserResponse. `name` is what the user logs in with (the email); `full_name` the display name. */
export function userView(info: UserInfo, options: { hydrate: boolean; nested?: boolean }): View {
  const u = info.user;
  return {
    id: u.id,
    name: u.email,
    permission_denied: false,
    body: {
      created: iso(u.createdAt),
      updated: iso(u.updatedAt),
      active: u.isActive,
      activation_token: null,
      full_name: u.name,
      email_opted_in: u.emailOptedIn,
      is_service_account: false,
      is_admin: info.isAdmin,
      default_project_id: info.projectId,
      avatar_url: null,
    },
    metadata:
      options.hydrate && !options.nested ? { email: u.email, external_user_id: null, user_metadata: u.metadata } : null,
    resources: options.nested ? null : {},
  };
}

function nestedUser(users: Map<string, UserInfo>, id: string | null | undefined): View | null {
  const info = id ? users.get(id) : undefined;
  return info ? userView(info, { hydrate: false, nested: true }) : null;
}

/** ZenML's TagResponse; `taggedCount` is only shown hydrated, `user` only at the top level. */
export function tagView(
  tag: Tag,
  options: { hydrate: boolean; nested?: boolean; taggedCount?: number; users?: Map<string, UserInfo> },
): View {
  return {
    id: tag.id,
    name: tag.name,
    permission_denied: false,
    body: {
      created: iso(tag.createdAt),
      updated: iso(tag.updatedAt),
      user_id: tag.createdBy,
      color: tag.color,
      exclusive: tag.exclusive,
    },
    metadata: options.hydrate && !options.nested ? { tagged_count: options.taggedCount ?? 0 } : null,
    resources: options.nested ? null : { user: nestedUser(options.users ?? new Map(), tag.createdBy) },
  };
}

/** ZenML's PipelineResponse (newest layout: latest run and user in resources). */
export function pipelineView(p: Pipeline, rel: PipelineRelations, hydrate: boolean): View {
  const latest = p.lastRun ? rel.latestRuns.get(p.lastRun.id) : undefined;
  // The run row is the truth; the pipeline's bookkeeping may lag behind it.
  const latestStatus = latest?.status ?? p.lastRun?.status;
  return {
    id: p.id,
    name: p.name,
    permission_denied: false,
    body: { created: iso(p.createdAt), updated: iso(p.updatedAt), user_id: p.ownerId, project_id: p.orgId },
    metadata: hydrate ? { description: p.description } : null,
    resources: {
      user: nestedUser(rel.users, p.ownerId),
      latest_run_user: nestedUser(rel.users, latest?.triggeredBy),
      latest_run_id: p.lastRun?.id ?? null,
      latest_run_status: latestStatus ? ZENML_STATUS[latestStatus] : null,
      tags: p.tagIds.flatMap((id) => {
        const tag = rel.tags.get(id);
        return tag ? [tagView(tag, { hydrate: false, nested: true })] : [];
      }),
      visualizations: [],
    },
  };
}

/** A pipeline nested in another model (a run's `resources.pipeline`): unhydrated, no resources. */
function nestedPipeline(p: Pipeline | undefined): View | null {
  if (!p) return null;
  return {
    id: p.id,
    name: p.name,
    permission_denied: false,
    body: { created: iso(p.createdAt), updated: iso(p.updatedAt), user_id: p.ownerId, project_id: p.orgId },
    metadata: null,
    resources: null,
  };
}

/** Where ZenML clients find a run's logs: one collection, this server's run log (`/runs/{id}/logs?source=…`). */
export const RUN_LOG_SOURCE = 'orchestrator';

function logCollection(run: Run): View[] {
  return [
    {
      // The run's log has no id of its own: the run's stands for it.
      id: run.id,
      permission_denied: false,
      body: {
        created: iso(run.createdAt),
        updated: iso(run.updatedAt),
        uri: `/api/v1/runs/${run.id}/logs?source=${RUN_LOG_SOURCE}`,
        source: RUN_LOG_SOURCE,
      },
      metadata: { step_run_id: null, pipeline_run_id: run.id, artifact_store_id: null },
      resources: null,
    },
  ];
}

/**
 * ZenML's PipelineRunResponse: status under ZenML's names, `index` the run's sequence in its
 * pipeline, `orchestrator_run_id` the run's own id (every run can be stopped through this
 * server, and ZenML's dashboard enables Stop only when there is one).
 */
export function runView(run: Run, rel: RunRelations, hydrate: boolean): View {
  const pipeline = run.pipelineId ? rel.pipelines.get(run.pipelineId) : undefined;
  const pipelineName = pipeline?.name;
  return {
    id: run.id,
    name: pipelineName && run.index !== null ? `${pipelineName}-${run.index}` : `run-${run.seq}`,
    permission_denied: false,
    body: {
      created: iso(run.createdAt),
      updated: iso(run.updatedAt),
      user_id: run.triggeredBy,
      project_id: run.orgId,
      status: ZENML_STATUS[run.status],
      in_progress: run.isOpen,
      status_reason: run.error,
      index: run.index,
      pipeline_id: run.pipelineId,
    },
    metadata: hydrate
      ? {
          start_time: iso(run.startedAt),
          end_time: iso(run.endedAt),
          run_metadata: {},
          config: {},
          client_environment: {},
          orchestrator_environment: {},
          orchestrator_run_id: run.id,
          trigger: run.trigger,
        }
      : null,
    resources: {
      user: nestedUser(rel.users, run.triggeredBy),
      pipeline: nestedPipeline(pipeline),
      tags: [],
      log_collection: logCollection(run),
    },
  };
}

/** ZenML's ProjectResponse for an organization: name = slug, display_name = its name. */
export function projectView(org: Organization, hydrate: boolean): View {
  return {
    id: org.id,
    name: org.slug,
    permission_denied: false,
    body: { created: iso(org.createdAt), updated: iso(org.updatedAt), display_name: org.name },
    metadata: hydrate ? { description: '' } : null,
    resources: {},
  };
}
