import {
  isOwner,
  type Actor,
  type ApiKey,
  type Connection,
  type ConnectorConfig,
  type FileHistory,
  type Pipeline,
  type Run,
  type RunLog,
  type RunStatus,
  type StageSettings,
  type User,
  type Workflow,
} from '@pipewright/core';
import type { UserIntIds } from './unstract-users.js';

/** Domain objects → Unstract's JSON (serializer field names). */

export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/** Unstract's ExecutionStatus has no STOPPING: a run being stopped is still executing. */
export type ExecutionStatus = 'PENDING' | 'EXECUTING' | 'COMPLETED' | 'ERROR' | 'STOPPED';

export function executionStatus(status: RunStatus): ExecutionStatus {
  return status === 'STOPPING' ? 'EXECUTING' : status;
}

/** Pipeline.last_run_status: SUCCESS, FAILURE, INPROGRESS or YET_TO_START (never run). */
export type LastRunStatus = 'SUCCESS' | 'FAILURE' | 'INPROGRESS' | 'YET_TO_START' | 'RESTARTING' | 'PAUSED';

export function lastRunStatus(status: RunStatus | null | undefined): LastRunStatus {
  if (!status) return 'YET_TO_START';
  if (status === 'COMPLETED') return 'SUCCESS';
  if (status === 'ERROR' || status === 'STOPPED') return 'FAILURE';
  return 'INPROGRESS';
}

/** One entry of `last_5_run_statuses`; a COMPLETED run with failed and successful files is PARTIAL_SUCCESS. */
export function runSummary(run: Run) {
  const files = run.files;
  const partial = run.status === 'COMPLETED' && files.failed > 0 && files.ok > 0;
  return {
    execution_id: run.id,
    status: partial ? 'PARTIAL_SUCCESS' : executionStatus(run.status),
    timestamp: iso(run.createdAt),
    successful_files: files.ok,
    failed_files: files.failed,
  };
}

export const NOT_CONFIGURED = 'Connector not configured.';

/** What a pipeline row needs besides the pipeline, loaded in batches for a page (unstract-pipeline-rows.ts). */
export interface PipelineRowData {
  actor: Actor;
  orgSlug: string;
  owner: User | null;
  /** Int ids of the users the row names (Unstract's user ids). */
  users: UserIntIds;
  nextRunTime: Date | null;
  /** The pipeline's last runs, oldest first (at most 5). */
  lastRuns: Run[];
  /** Set on GET/POST responses (Unstract adds the workflow and connector names there only). */
  workflow?: Workflow | null;
  /** Names of the connections the workflow names (loaded once per page), for the instance names. */
  connectionNames?: ReadonlyMap<string, string>;
}

export function apiEndpoint(orgSlug: string, pipelineId: string): string {
  return `deployment/pipeline/api/${orgSlug}/${pipelineId}/`;
}

export function pipelineView(p: Pipeline, d: PipelineRowData) {
  const schedule = p.schedule;
  const row: Record<string, unknown> = {
    id: p.id,
    pipeline_name: p.name,
    workflow: p.workflowId,
    app_id: null,
    active: p.enabled,
    scheduled: schedule !== null,
    cron_string: schedule ? schedule.cronString(p.scheduleStart) : null,
    pipeline_type: p.type,
    run_count: p.runCount,
    last_run_time: iso(p.lastRun?.at),
    last_run_status: lastRunStatus(p.lastRun?.status),
    app_icon: null,
    app_url: null,
    shared_to_org: p.sharedToOrg,
    shared_users: d.users.list(p.sharedUserIds),
    organization: p.orgId,
    created_by: d.users.of(p.createdBy),
    modified_by: d.users.of(p.modifiedBy),
    created_at: iso(p.createdAt),
    modified_at: iso(p.updatedAt),
    api_endpoint: apiEndpoint(d.orgSlug, p.id),
    created_by_email: d.owner?.email ?? null,
    is_owner: isOwner(d.actor, p),
    co_owners_count: 1,
    shared_groups: [],
    next_run_time: iso(d.nextRunTime),
    last_5_run_statuses: d.lastRuns.map(runSummary),
  };
  if (d.workflow !== undefined)
    Object.assign(row, workflowSummary(p.workflowId, d.workflow, d.connectionNames ?? new Map()));
  return row;
}

/** The workflow and connector names a pipeline shows on GET/POST. */
function workflowSummary(workflowId: string, wf: Workflow | null, connectionNames: ReadonlyMap<string, string>) {
  const def = wf?.definition;
  // The instance name is the connection's (Unstract's connector instance), else the connector's.
  const instance = (c: ConnectorConfig | null | undefined) =>
    c ? ((c.connection ? connectionNames.get(c.connection) : undefined) ?? c.connector) : NOT_CONFIGURED;
  return {
    workflow_id: workflowId,
    workflow_name: wf?.name ?? null,
    source_name: def?.source?.connector ?? NOT_CONFIGURED,
    destination_name: def?.destination?.connector ?? NOT_CONFIGURED,
    source_icon: '',
    destination_icon: '',
    source_instance_name: instance(def?.source),
    destination_instance_name: instance(def?.destination),
  };
}

/** `GET pipeline/{id}/users/` and `workflow/{id}/users/`. Pipelines list users as {id, username}, workflows as {id, email}. */
export function usersView(
  resource: { id: string; name: string; ownerId: string },
  kind: 'pipeline' | 'workflow',
  sharing: { owner: User | null; sharedUsers: User[]; sharedToOrg: boolean },
) {
  return {
    id: resource.id,
    [kind === 'pipeline' ? 'pipeline_name' : 'workflow_name']: resource.name,
    shared_users: sharing.sharedUsers.map((u) =>
      kind === 'pipeline' ? { id: u.seq, username: u.name } : { id: u.seq, email: u.email },
    ),
    shared_to_org: sharing.sharedToOrg,
    shared_groups: [],
    co_owners: sharing.owner ? [{ id: sharing.owner.seq, email: sharing.owner.email }] : [],
    created_by: sharing.owner?.seq ?? null,
    created_by_email: sharing.owner?.email ?? null,
  };
}

/** A workflow's source or destination: `connection` is the id of the organization's connection (or null); settings hold no secret. */
function connectorView(c: ConnectorConfig | null) {
  return c ? { connector: c.connector, connection: c.connection ?? null, settings: c.settings } : null;
}

function stageView(s: StageSettings) {
  return {
    input_schema: s.inputSchema ?? null,
    filter: s.filter ?? null,
    transformation: s.transformation ?? null,
    output_schema: s.outputSchema ?? null,
  };
}

export function workflowView(wf: Workflow, d: { actor: Actor; owner: User | null; users: UserIntIds }) {
  const def = wf.definition;
  return {
    id: wf.id,
    workflow_name: wf.name,
    description: wf.description,
    is_active: wf.isActive,
    deployment_type: wf.deploymentType,
    source_settings: connectorView(def.source),
    destination_settings: connectorView(def.destination),
    stage_settings: stageView(def.stages),
    max_file_execution_count: wf.configuredMaxFileExecutionCount,
    retry_on_interrupt: wf.retryOnInterrupt,
    workflow_owner: d.users.of(wf.ownerId),
    created_by: d.users.of(wf.createdBy),
    modified_by: d.users.of(wf.modifiedBy),
    shared_users: d.users.list(wf.sharedUserIds),
    shared_to_org: wf.sharedToOrg,
    organization: wf.orgId,
    tool_instances: [],
    is_owner: isOwner(d.actor, wf),
    owner_emails: d.owner ? [d.owner.email] : [],
    created_at: iso(wf.createdAt),
    modified_at: iso(wf.updatedAt),
  };
}

/** An API key row; `api_key` is the plaintext when the caller may see it, else null. */
export function apiKeyView(key: ApiKey, plaintext: string | null) {
  return {
    id: key.id,
    created_at: iso(key.createdAt),
    modified_at: iso(key.updatedAt),
    api_key: plaintext,
    is_active: key.isActive,
    description: key.description,
    api: key.kind === 'deployment' ? key.targetId : null,
    pipeline: key.kind === 'pipeline' ? key.targetId : null,
  };
}

/** A WorkflowExecution row. */
export function executionView(run: Run) {
  const scheduled = run.trigger === 'schedule';
  const seconds = run.startedAt && run.endedAt ? (run.endedAt.getTime() - run.startedAt.getTime()) / 1000 : null;
  return {
    id: run.id,
    workflow: run.workflowId,
    pipeline_id: run.pipelineId,
    task_id: null,
    execution_mode: scheduled ? 'QUEUE' : 'INSTANT',
    execution_method: scheduled ? 'SCHEDULED' : 'DIRECT',
    execution_type: 'COMPLETE',
    execution_log_id: run.id,
    status: executionStatus(run.status),
    result_acknowledged: run.isTerminal,
    error_message: run.error,
    attempts: 1,
    execution_time: seconds,
    total_files: run.files.total,
    successful_files: run.files.ok,
    failed_files: run.files.failed,
    triggered_by: run.triggeredBy,
    created_at: iso(run.createdAt),
    modified_at: iso(run.updatedAt),
  };
}

/** The body of `workflow/execute/` and the `execution` of `pipeline/execute/`. */
export function executeView(run: Run) {
  return {
    workflow_id: run.workflowId,
    execution_id: run.id,
    execution_status: executionStatus(run.status),
    // Logs are read per execution (execution/{id}/logs/), so the execution id is the log id.
    log_id: run.id,
    error: run.error,
    result: null,
  };
}

export function logView(log: RunLog) {
  const time = iso(log.time);
  return {
    id: log.id,
    wf_execution: log.runId,
    file_execution: log.fileExecutionId,
    event_time: time,
    data: {
      type: 'LOG',
      level: log.level,
      stage: log.stage,
      log: log.message,
      file_execution_id: log.fileExecutionId,
      timestamp: time,
    },
    created_at: time,
    modified_at: time,
  };
}

export function fileHistoryView(h: FileHistory, wf: Workflow) {
  const max = wf.maxFileExecutionCount;
  return {
    id: h.id,
    workflow: h.workflowId,
    cache_key: h.cacheKey,
    provider_file_uuid: h.providerFileUuid,
    status: h.status,
    execution_count: h.executionCount,
    error: h.error,
    result: h.result,
    metadata: h.metadata,
    file_path: h.filePath,
    max_execution_count: max,
    has_exceeded_limit: h.hasExceededLimit(max),
    created_at: iso(h.createdAt),
    modified_at: iso(h.updatedAt),
  };
}

/** Unstract's ConnectorMode for a connection kind. */
export function connectorMode(kind: string): 'DATABASE' | 'FILE_SYSTEM' | 'API' | 'UNKNOWN' {
  if (kind === 'postgres') return 'DATABASE';
  if (kind === 'filesystem') return 'FILE_SYSTEM';
  if (kind === 'webhook') return 'API';
  return 'UNKNOWN';
}

/**
 * A connection as Unstract's ConnectorInstance: `connector_metadata` holds its settings with
 * every secret masked ("********"); `secret_fields` lists them. No secret value ever.
 */
export function connectorInstanceView(c: Connection, orgId: string, users?: UserIntIds) {
  return {
    id: c.id,
    connector_name: c.name,
    description: c.description,
    connector_id: c.kind,
    connector_metadata: c.maskedSettings(),
    secret_fields: c.secretFields,
    connector_version: null,
    connector_type: null,
    connector_mode: connectorMode(c.kind),
    connector_auth: null,
    icon: '',
    created_by: users?.of(c.createdBy) ?? null,
    modified_by: users?.of(c.modifiedBy) ?? null,
    created_at: iso(c.createdAt),
    modified_at: iso(c.updatedAt),
    organization: orgId,
    shared_to_org: true,
    shared_users: [],
  };
}
