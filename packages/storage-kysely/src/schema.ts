import type { ColumnType, Insertable, Selectable } from 'kysely';

/**
 * The tables as Kysely sees them (snake_case, one interface per table). JSON columns
 * are read back parsed and written as JSON text, so both drivers behave alike.
 */
type Json<T> = ColumnType<T, string | null, string | null>;
type Uuids = ColumnType<string[], string[], string[]>;

export interface OrganizationsTable {
  id: string;
  seq: number;
  slug: string;
  name: string;
  mode: string;
  max_concurrent_runs: number | null;
  created_at: Date;
  updated_at: Date;
}

export interface UsersTable {
  id: string;
  seq: number;
  email: string;
  name: string;
  password_hash: string | null;
  is_active: boolean;
  /** Optional on insert (column default), as rows written by older code have none. */
  email_opted_in: ColumnType<boolean, boolean | undefined, boolean>;
  /** The client's metadata object (ZenML's `user_metadata`). */
  user_metadata: ColumnType<Record<string, unknown>, string | undefined, string>;
  /** Optional on insert (column default), as rows written by older code have none. */
  is_server_admin: ColumnType<boolean, boolean | undefined, boolean>;
  session_version: ColumnType<number, number | undefined, number>;
  created_at: Date;
  updated_at: Date;
}

/** Open offers of membership (one per organization and email). */
export interface InvitationsTable {
  id: string;
  org_id: string;
  email: string;
  role: string;
  invited_by: string;
  created_at: Date;
  expires_at: Date;
}

export interface MembershipsTable {
  org_id: string;
  user_id: string;
  role: string;
  created_at: Date;
}

export interface WorkflowsTable {
  id: string;
  org_id: string;
  name: string;
  description: string | null;
  owner_id: string;
  shared_user_ids: Uuids;
  shared_to_org: boolean;
  is_active: boolean;
  deployment_type: string;
  source: Json<unknown>;
  stages: Json<unknown>;
  destination: Json<unknown>;
  max_file_execution_count: number | null;
  retry_on_interrupt: boolean;
  created_by: string;
  modified_by: string;
  created_at: Date;
  updated_at: Date;
}

/** An organization's connection: non-secret settings and sealed secrets (field -> sealed string). */
export interface ConnectionsTable {
  id: string;
  org_id: string;
  seq: number;
  name: string;
  description: string | null;
  kind: string;
  settings: Json<Record<string, unknown>>;
  sealed_secrets: Json<Record<string, string>>;
  created_by: string;
  modified_by: string;
  created_at: Date;
  updated_at: Date;
}

export interface PipelinesTable {
  id: string;
  seq: number;
  org_id: string;
  name: string;
  description: string | null;
  type: string;
  workflow_id: string;
  owner_id: string;
  shared_user_ids: Uuids;
  shared_to_org: boolean;
  enabled: boolean;
  schedule: Json<unknown>;
  schedule_start: number;
  incremental: boolean;
  updated_at_column: string | null;
  cursor: string | null;
  retry_max_attempts: number;
  retry_backoff_seconds: number;
  retry_backoff_multiplier: number;
  retry_max_backoff_seconds: number;
  run_timeout_seconds: number | null;
  run_count: number;
  last_run_id: string | null;
  last_run_at: Date | null;
  last_run_status: string | null;
  created_by: string;
  modified_by: string;
  created_at: Date;
  updated_at: Date;
}

/** A pipeline's tags; `position` keeps the order they were attached in. */
export interface PipelineTagsTable {
  pipeline_id: string;
  tag_id: string;
  position: number;
}

export interface TagsTable {
  id: string;
  org_id: string;
  name: string;
  color: string;
  exclusive: boolean;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

export interface RunsTable {
  id: string;
  seq: number;
  org_id: string;
  pipeline_id: string | null;
  workflow_id: string;
  run_index: number | null;
  trigger: string;
  triggered_by: string | null;
  status: string;
  incremental: boolean;
  created_at: Date;
  started_at: Date | null;
  ended_at: Date | null;
  updated_at: Date;
  stages: Json<unknown>;
  files: Json<unknown>;
  error: string | null;
  cancelled_by: string | null;
  lease_expires_at: Date | null;
  lease_holder: string | null;
  input: Json<unknown>;
  attempt: number;
}

/** The pipelines a run is linked to (Flow jobs); `position` keeps their order. */
export interface RunLinkedPipelinesTable {
  run_id: string;
  pipeline_id: string;
  position: number;
}

export interface RunLogsTable {
  id: string;
  run_id: string;
  level: string;
  stage: string | null;
  message: string;
  file_execution_id: string | null;
  time: Date;
}

export interface FileExecutionsTable {
  id: string;
  run_id: string;
  file_name: string;
  file_path: string;
  cache_key: string | null;
  status: string;
  error: string | null;
  execution_time_ms: number | null;
  created_at: Date;
  updated_at: Date;
}

export interface FileHistoriesTable {
  id: string;
  workflow_id: string;
  cache_key: string;
  file_path: string;
  provider_file_uuid: string | null;
  status: string;
  execution_count: number;
  result: Json<unknown>;
  error: string | null;
  metadata: Json<Record<string, unknown> | null>;
  created_at: Date;
  updated_at: Date;
}

export interface ApiDeploymentsTable {
  id: string;
  org_id: string;
  workflow_id: string;
  api_name: string;
  display_name: string;
  description: string;
  is_active: boolean;
  owner_id: string;
  shared_user_ids: string[];
  shared_to_org: boolean;
  created_by: string;
  modified_by: string;
  created_at: Date;
  updated_at: Date;
}

export interface ApiKeysTable {
  id: string;
  org_id: string;
  kind: string;
  /** Text, not uuid: a deployment target is whatever id the deployment has. */
  target_id: string;
  description: string | null;
  is_active: boolean;
  secret_hash: string;
  secret_sealed: string | null;
  prefix: string;
  created_by: string;
  last_used_at: Date | null;
  expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** The whole schema, as the frozen migrations create it. */
/** Each organization's exact pipeline count, kept by triggers on `pipelines` (never written by the app). */
export interface OrgPipelineCountsTable {
  org_id: string;
  /** bigint: select it cast to int. */
  pipelines: string;
}

export interface Database {
  organizations: OrganizationsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  invitations: InvitationsTable;
  workflows: WorkflowsTable;
  connections: ConnectionsTable;
  pipelines: PipelinesTable;
  pipeline_tags: PipelineTagsTable;
  tags: TagsTable;
  runs: RunsTable;
  run_linked_pipelines: RunLinkedPipelinesTable;
  run_logs: RunLogsTable;
  file_executions: FileExecutionsTable;
  file_histories: FileHistoriesTable;
  api_keys: ApiKeysTable;
  api_deployments: ApiDeploymentsTable;
  org_pipeline_counts: OrgPipelineCountsTable;
}

export type Row<T extends keyof Database> = Selectable<Database[T]>;
export type NewRow<T extends keyof Database> = Insertable<Database[T]>;
