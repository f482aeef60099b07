import {
  ApiKey,
  Connection,
  FileHistory,
  Invitation,
  Organization,
  Pipeline,
  Run,
  Tag,
  User,
  Workflow,
  type ApiKeyState,
  type ConnectionState,
  type FileExecution,
  type FileHistoryState,
  type Membership,
  type OrganizationState,
  type PipelineState,
  type RunLog,
  type RunState,
  type TagState,
  type UserState,
  type WorkflowState,
} from '@pipewright/core';
import type { NewRow, Row } from './schema.js';

/**
 * Row <-> domain mapping, the one place that knows both shapes. Aggregates go in
 * through `toState()` and come out through `restore()`; JSON columns are written as
 * JSON text (both drivers parse them on the way back).
 */

const json = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));

/** A pipeline row as the repository selects it: with its tag ids. */
export type PipelineRow = Row<'pipelines'> & { tag_ids: string[] };
/** A run row as the repository selects it: with its linked pipeline ids. */
export type RunRow = Row<'runs'> & { linked_pipeline_ids: string[] };

export const toRow = {
  organization(org: Organization): NewRow<'organizations'> {
    const s = org.toState();
    return {
      id: s.id,
      seq: s.seq,
      slug: s.slug,
      name: s.name,
      mode: s.mode,
      max_concurrent_runs: s.maxConcurrentRuns,
      created_at: s.createdAt,
      updated_at: s.updatedAt,
    };
  },

  user(user: User): NewRow<'users'> {
    const s = user.toState();
    return {
      id: s.id,
      seq: s.seq,
      email: s.email,
      name: s.name,
      password_hash: s.passwordHash,
      is_active: s.isActive,
      email_opted_in: s.emailOptedIn,
      user_metadata: JSON.stringify(s.metadata),
      is_server_admin: s.isServerAdmin,
      session_version: s.sessionVersion,
      created_at: s.createdAt,
      updated_at: s.updatedAt,
    };
  },

  membership(m: Membership): NewRow<'memberships'> {
    return { org_id: m.orgId, user_id: m.userId, role: m.role, created_at: m.createdAt };
  },

  invitation(invitation: Invitation): NewRow<'invitations'> {
    const s = invitation.toState();
    return {
      id: s.id,
      org_id: s.orgId,
      email: s.email,
      role: s.role,
      invited_by: s.invitedBy,
      created_at: s.createdAt,
      expires_at: s.expiresAt,
    };
  },

  workflow(workflow: Workflow): NewRow<'workflows'> {
    const s = workflow.toState();
    return {
      id: s.id,
      org_id: s.orgId,
      name: s.name,
      description: s.description,
      owner_id: s.ownerId,
      shared_user_ids: s.sharedUserIds,
      shared_to_org: s.sharedToOrg,
      is_active: s.isActive,
      deployment_type: s.deploymentType,
      source: json(s.source),
      stages: json(s.stages),
      destination: json(s.destination),
      max_file_execution_count: s.maxFileExecutionCount,
      retry_on_interrupt: s.retryOnInterrupt,
      created_by: s.createdBy,
      modified_by: s.modifiedBy,
      created_at: s.createdAt,
      updated_at: s.updatedAt,
    };
  },

  connection(connection: Connection): NewRow<'connections'> {
    const s = connection.toState();
    return {
      id: s.id,
      org_id: s.orgId,
      seq: s.seq,
      name: s.name,
      description: s.description,
      kind: s.kind,
      settings: JSON.stringify(s.settings ?? {}),
      sealed_secrets: JSON.stringify(s.sealedSecrets ?? {}),
      created_by: s.createdBy,
      modified_by: s.modifiedBy,
      created_at: s.createdAt,
      updated_at: s.updatedAt,
    };
  },

  /** The pipeline's row and, separately, its tag links (another table). */
  pipeline(pipeline: Pipeline): { row: NewRow<'pipelines'>; tagIds: string[] } {
    const s = pipeline.toState();
    return {
      row: {
        id: s.id,
        seq: s.seq,
        org_id: s.orgId,
        name: s.name,
        description: s.description,
        type: s.type,
        workflow_id: s.workflowId,
        owner_id: s.ownerId,
        shared_user_ids: s.sharedUserIds,
        shared_to_org: s.sharedToOrg,
        enabled: s.enabled,
        schedule: json(s.schedule),
        schedule_start: s.scheduleStart,
        incremental: s.incremental,
        updated_at_column: s.updatedAtColumn,
        cursor: s.cursor,
        retry_max_attempts: s.retry.maxAttempts,
        retry_backoff_seconds: s.retry.backoffSeconds,
        retry_backoff_multiplier: s.retry.backoffMultiplier,
        retry_max_backoff_seconds: s.retry.maxBackoffSeconds,
        run_timeout_seconds: s.runTimeoutSeconds,
        run_count: s.runCount,
        last_run_id: s.lastRun?.id ?? null,
        last_run_at: s.lastRun?.at ?? null,
        last_run_status: s.lastRun?.status ?? null,
        created_by: s.createdBy,
        modified_by: s.modifiedBy,
        created_at: s.createdAt,
        updated_at: s.updatedAt,
      },
      tagIds: s.tagIds,
    };
  },

  tag(tag: Tag): NewRow<'tags'> {
    const s = tag.toState();
    return {
      id: s.id,
      org_id: s.orgId,
      name: s.name,
      color: s.color,
      exclusive: s.exclusive,
      created_by: s.createdBy,
      created_at: s.createdAt,
      updated_at: s.updatedAt,
    };
  },

  /** The run's row and, separately, its linked pipelines (another table). */
  run(run: Run): { row: NewRow<'runs'>; linkedPipelineIds: string[] } {
    const s = run.toState();
    return {
      row: {
        id: s.id,
        seq: s.seq,
        org_id: s.orgId,
        pipeline_id: s.pipelineId,
        workflow_id: s.workflowId,
        run_index: s.index,
        trigger: s.trigger,
        triggered_by: s.triggeredBy,
        status: s.status,
        incremental: s.incremental,
        created_at: s.createdAt,
        started_at: s.startedAt,
        ended_at: s.endedAt,
        updated_at: s.updatedAt,
        stages: json(s.stages),
        files: json(s.files),
        error: s.error,
        cancelled_by: s.cancelledBy,
        lease_expires_at: s.leaseExpiresAt,
        lease_holder: s.leaseHolder,
        input: json(s.input),
        attempt: s.attempt,
      },
      linkedPipelineIds: s.linkedPipelineIds,
    };
  },

  runLog(log: RunLog): NewRow<'run_logs'> {
    return {
      id: log.id,
      run_id: log.runId,
      level: log.level,
      stage: log.stage,
      message: log.message,
      file_execution_id: log.fileExecutionId,
      time: log.time,
    };
  },

  fileExecution(f: FileExecution): NewRow<'file_executions'> {
    return {
      id: f.id,
      run_id: f.runId,
      file_name: f.fileName,
      file_path: f.filePath,
      cache_key: f.cacheKey,
      status: f.status,
      error: f.error,
      execution_time_ms: f.executionTimeMs,
      created_at: f.createdAt,
      updated_at: f.updatedAt,
    };
  },

  fileHistory(history: FileHistory): NewRow<'file_histories'> {
    const s = history.toState();
    return {
      id: s.id,
      workflow_id: s.workflowId,
      cache_key: s.cacheKey,
      file_path: s.filePath,
      provider_file_uuid: s.providerFileUuid,
      status: s.status,
      execution_count: s.executionCount,
      result: json(s.result),
      error: s.error,
      metadata: json(s.metadata),
      created_at: s.createdAt,
      updated_at: s.updatedAt,
    };
  },

  apiKey(key: ApiKey): NewRow<'api_keys'> {
    const s = key.toState();
    return {
      id: s.id,
      org_id: s.orgId,
      kind: s.kind,
      target_id: s.targetId,
      description: s.description,
      is_active: s.isActive,
      secret_hash: s.secretHash,
      secret_sealed: s.secretSealed,
      prefix: s.prefix,
      created_by: s.createdBy,
      last_used_at: s.lastUsedAt,
      expires_at: s.expiresAt,
      created_at: s.createdAt,
      updated_at: s.updatedAt,
    };
  },
};

export const fromRow = {
  organization(r: Row<'organizations'>): Organization {
    const state: OrganizationState = {
      id: r.id,
      slug: r.slug,
      seq: r.seq,
      name: r.name,
      mode: r.mode as OrganizationState['mode'],
      maxConcurrentRuns: r.max_concurrent_runs,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
    return Organization.restore(state);
  },

  user(r: Row<'users'>): User {
    const state: UserState = {
      id: r.id,
      seq: r.seq,
      email: r.email,
      name: r.name,
      passwordHash: r.password_hash,
      isActive: r.is_active,
      emailOptedIn: r.email_opted_in,
      metadata: r.user_metadata ?? {},
      isServerAdmin: r.is_server_admin,
      sessionVersion: r.session_version,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
    return User.restore(state);
  },

  membership(r: Row<'memberships'>): Membership {
    return { orgId: r.org_id, userId: r.user_id, role: r.role as Membership['role'], createdAt: r.created_at };
  },

  invitation(r: Row<'invitations'>): Invitation {
    return Invitation.restore({
      id: r.id,
      orgId: r.org_id,
      email: r.email,
      role: r.role as Membership['role'],
      invitedBy: r.invited_by,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
    });
  },

  workflow(r: Row<'workflows'>): Workflow {
    const state: WorkflowState = {
      id: r.id,
      orgId: r.org_id,
      name: r.name,
      description: r.description,
      ownerId: r.owner_id,
      sharedUserIds: r.shared_user_ids,
      sharedToOrg: r.shared_to_org,
      isActive: r.is_active,
      deploymentType: r.deployment_type as WorkflowState['deploymentType'],
      source: r.source as WorkflowState['source'],
      stages: (r.stages ?? {}) as WorkflowState['stages'],
      destination: r.destination as WorkflowState['destination'],
      maxFileExecutionCount: r.max_file_execution_count,
      retryOnInterrupt: r.retry_on_interrupt,
      createdBy: r.created_by,
      modifiedBy: r.modified_by,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
    return Workflow.restore(state);
  },

  connection(r: Row<'connections'>): Connection {
    const state: ConnectionState = {
      id: r.id,
      orgId: r.org_id,
      seq: r.seq,
      name: r.name,
      description: r.description,
      kind: r.kind,
      settings: r.settings ?? {},
      sealedSecrets: r.sealed_secrets ?? {},
      createdBy: r.created_by,
      modifiedBy: r.modified_by,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
    return Connection.restore(state);
  },

  pipeline(r: PipelineRow): Pipeline {
    const state: PipelineState = {
      id: r.id,
      seq: r.seq,
      orgId: r.org_id,
      name: r.name,
      description: r.description,
      type: r.type as PipelineState['type'],
      workflowId: r.workflow_id,
      ownerId: r.owner_id,
      sharedUserIds: r.shared_user_ids,
      sharedToOrg: r.shared_to_org,
      enabled: r.enabled,
      schedule: r.schedule as PipelineState['schedule'],
      scheduleStart: r.schedule_start,
      incremental: r.incremental,
      updatedAtColumn: r.updated_at_column,
      cursor: r.cursor,
      retry: {
        maxAttempts: r.retry_max_attempts,
        backoffSeconds: r.retry_backoff_seconds,
        backoffMultiplier: r.retry_backoff_multiplier,
        maxBackoffSeconds: r.retry_max_backoff_seconds,
      },
      runTimeoutSeconds: r.run_timeout_seconds,
      tagIds: r.tag_ids,
      runCount: r.run_count,
      lastRun:
        r.last_run_id && r.last_run_at && r.last_run_status
          ? { id: r.last_run_id, at: r.last_run_at, status: r.last_run_status as RunState['status'] }
          : null,
      createdBy: r.created_by,
      modifiedBy: r.modified_by,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
    return Pipeline.restore(state);
  },

  tag(r: Row<'tags'>): Tag {
    const state: TagState = {
      id: r.id,
      orgId: r.org_id,
      name: r.name,
      color: r.color as TagState['color'],
      exclusive: r.exclusive,
      createdBy: r.created_by,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
    return Tag.restore(state);
  },

  run(r: RunRow): Run {
    const state: RunState = {
      id: r.id,
      seq: r.seq,
      orgId: r.org_id,
      pipelineId: r.pipeline_id,
      workflowId: r.workflow_id,
      index: r.run_index,
      trigger: r.trigger as RunState['trigger'],
      triggeredBy: r.triggered_by,
      status: r.status as RunState['status'],
      incremental: r.incremental,
      createdAt: r.created_at,
      startedAt: r.started_at,
      endedAt: r.ended_at,
      updatedAt: r.updated_at,
      stages: r.stages as RunState['stages'],
      files: r.files as RunState['files'],
      error: r.error,
      cancelledBy: r.cancelled_by,
      linkedPipelineIds: r.linked_pipeline_ids,
      leaseExpiresAt: r.lease_expires_at,
      leaseHolder: r.lease_holder,
      input: r.input as RunState['input'],
      attempt: r.attempt,
    };
    return Run.restore(state);
  },

  runLog(r: Row<'run_logs'>): RunLog {
    return {
      id: r.id,
      runId: r.run_id,
      level: r.level as RunLog['level'],
      stage: r.stage,
      message: r.message,
      fileExecutionId: r.file_execution_id,
      time: r.time,
    };
  },

  fileExecution(r: Row<'file_executions'>): FileExecution {
    return {
      id: r.id,
      runId: r.run_id,
      fileName: r.file_name,
      filePath: r.file_path,
      cacheKey: r.cache_key,
      status: r.status as FileExecution['status'],
      error: r.error,
      executionTimeMs: r.execution_time_ms,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  },

  fileHistory(r: Row<'file_histories'>): FileHistory {
    const state: FileHistoryState = {
      id: r.id,
      workflowId: r.workflow_id,
      cacheKey: r.cache_key,
      filePath: r.file_path,
      providerFileUuid: r.provider_file_uuid,
      status: r.status as FileHistoryState['status'],
      executionCount: r.execution_count,
      result: r.result ?? null,
      error: r.error,
      metadata: r.metadata ?? null,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
    return FileHistory.restore(state);
  },

  apiKey(r: Row<'api_keys'>): ApiKey {
    const state: ApiKeyState = {
      id: r.id,
      orgId: r.org_id,
      kind: r.kind as ApiKeyState['kind'],
      targetId: r.target_id,
      description: r.description,
      isActive: r.is_active,
      secretHash: r.secret_hash,
      secretSealed: r.secret_sealed,
      prefix: r.prefix,
      createdBy: r.created_by,
      lastUsedAt: r.last_used_at,
      expiresAt: r.expires_at,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
    return ApiKey.restore(state);
  },
};
