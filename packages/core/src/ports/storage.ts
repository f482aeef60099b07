import type { ApiDeployment } from '../domain/api-deployment.js';
import type { ApiKey, ApiKeyKind } from '../domain/api-key.js';
import type { Connection } from '../domain/connection.js';
import type { FileHistory } from '../domain/file-history.js';
import type { Invitation } from '../domain/invitation.js';
import type { Organization } from '../domain/organization.js';
import type { Pipeline } from '../domain/pipeline.js';
import type { Run } from '../domain/run.js';
import type { FileExecution, LogLevel, RunLog } from '../domain/run-log.js';
import type { Tag } from '../domain/tag.js';
import type { Membership, Role, User } from '../domain/user.js';
import type { Workflow } from '../domain/workflow.js';
import type { Visibility } from '../policies/resource.policy.js';
import type { FieldType, Filter, Page, PageRequest, Query } from './query.js';

// ---- filterable fields per aggregate (with their types, so services can check operators) ----

export const PIPELINE_FIELDS = {
  id: 'uuid',
  seq: 'int',
  name: 'string',
  description: 'string',
  type: 'string',
  workflowId: 'uuid',
  ownerId: 'uuid',
  /** The owner's id, name or email. */
  user: 'string',
  enabled: 'bool',
  scheduled: 'bool',
  createdAt: 'datetime',
  updatedAt: 'datetime',
  lastRunAt: 'datetime',
  /** Each condition is its own EXISTS over the pipeline's tag names; `isempty` means no tags. */
  tags: 'tags',
  latestRunStatus: 'string',
  /** The latest run's triggering user: id, name or email. */
  latestRunUser: 'string',
  /** Case-insensitive substring of the name. */
  search: 'string',
} as const satisfies Record<string, FieldType>;
export type PipelineField = keyof typeof PIPELINE_FIELDS;
export const PIPELINE_SORTS = [
  'createdAt',
  'updatedAt',
  'name',
  'id',
  'seq',
  'type',
  'lastRunAt',
  'latestRun',
  'user',
  'tags',
  'runCount',
] as const;
/** `latestRun` sorts by the latest run's time, else the pipeline's creation time. Nulls sort last in both directions. */
export type PipelineSort = (typeof PIPELINE_SORTS)[number];
export type PipelineQuery = Query<PipelineField, PipelineSort>;

export const RUN_FIELDS = {
  id: 'uuid',
  seq: 'int',
  pipelineId: 'uuid',
  workflowId: 'uuid',
  status: 'string',
  trigger: 'string',
  triggeredBy: 'uuid',
  index: 'int',
  createdAt: 'datetime',
  updatedAt: 'datetime',
  startedAt: 'datetime',
  endedAt: 'datetime',
  /** The run's display name: `<pipeline name>-<index>`, or `run-<seq>` for a run without a pipeline. */
  name: 'string',
  /** The name of the run's pipeline (no value for a run without one). */
  pipelineName: 'string',
} as const satisfies Record<string, FieldType>;
export type RunField = keyof typeof RUN_FIELDS;
export const RUN_SORTS = ['createdAt', 'updatedAt', 'seq', 'index', 'status', 'startedAt', 'endedAt'] as const;
export type RunSort = (typeof RUN_SORTS)[number];
export type RunQuery = Query<RunField, RunSort>;

export const WORKFLOW_FIELDS = {
  id: 'uuid',
  name: 'string',
  description: 'string',
  ownerId: 'uuid',
  isActive: 'bool',
  deploymentType: 'string',
  createdAt: 'datetime',
  updatedAt: 'datetime',
  search: 'string',
} as const satisfies Record<string, FieldType>;
export type WorkflowField = keyof typeof WORKFLOW_FIELDS;
export const WORKFLOW_SORTS = ['createdAt', 'updatedAt', 'name', 'id'] as const;
export type WorkflowSort = (typeof WORKFLOW_SORTS)[number];
export type WorkflowQuery = Query<WorkflowField, WorkflowSort>;

export const FILE_HISTORY_FIELDS = {
  id: 'uuid',
  status: 'string',
  executionCount: 'int',
  filePath: 'string',
  cacheKey: 'string',
  createdAt: 'datetime',
  updatedAt: 'datetime',
} as const satisfies Record<string, FieldType>;
export type FileHistoryField = keyof typeof FILE_HISTORY_FIELDS;
export const FILE_HISTORY_SORTS = ['createdAt', 'updatedAt', 'filePath', 'executionCount'] as const;
export type FileHistorySort = (typeof FILE_HISTORY_SORTS)[number];
export type FileHistoryQuery = Query<FileHistoryField, FileHistorySort>;

export const TAG_FIELDS = {
  id: 'uuid',
  name: 'string',
  color: 'string',
  exclusive: 'bool',
  createdAt: 'datetime',
  updatedAt: 'datetime',
} as const satisfies Record<string, FieldType>;
export type TagField = keyof typeof TAG_FIELDS;
export const TAG_SORTS = ['createdAt', 'updatedAt', 'name', 'id'] as const;
export type TagSort = (typeof TAG_SORTS)[number];
export type TagQuery = Query<TagField, TagSort>;

/** Members of an organization (a user with their role there). */
export const USER_FIELDS = {
  id: 'uuid',
  email: 'string',
  /** The display name. */
  name: 'string',
  isActive: 'bool',
  emailOptedIn: 'bool',
  /** The member's role in the organization (`admin`, `member`). */
  role: 'string',
  createdAt: 'datetime',
  updatedAt: 'datetime',
} as const satisfies Record<string, FieldType>;
export type UserField = keyof typeof USER_FIELDS;
export const USER_SORTS = ['createdAt', 'updatedAt', 'email', 'name', 'id'] as const;
export type UserSort = (typeof USER_SORTS)[number];
export type UserQuery = Query<UserField, UserSort>;

export const CONNECTION_FIELDS = {
  id: 'uuid',
  seq: 'int',
  name: 'string',
  kind: 'string',
  createdAt: 'datetime',
  updatedAt: 'datetime',
  /** Case-insensitive substring of the name. */
  search: 'string',
} as const satisfies Record<string, FieldType>;
export type ConnectionField = keyof typeof CONNECTION_FIELDS;
export const CONNECTION_SORTS = ['createdAt', 'updatedAt', 'name', 'id', 'seq'] as const;
export type ConnectionSort = (typeof CONNECTION_SORTS)[number];
export type ConnectionQuery = Query<ConnectionField, ConnectionSort>;

// ---- repositories ----

export interface OrganizationRepository {
  /** Reserves the int id (`seq`) for a new organization. */
  nextSeq(): Promise<number>;
  /** Inserts a new organization; ConflictError on `slug`. */
  insert(org: Organization): Promise<void>;
  /** Saves the organization's changed state. */
  update(org: Organization): Promise<void>;
  findById(id: string): Promise<Organization | null>;
  findBySlug(slug: string): Promise<Organization | null>;
  findBySeq(seq: number): Promise<Organization | null>;
  /**
   * Organizations the user belongs to, with the user's role, oldest membership first (then by
   * slug): the first is the user's default organization in every dialect.
   */
  listForUser(userId: string): Promise<Array<{ organization: Organization; role: Role }>>;
  /** Every organization of the server, ordered by slug (server admins). */
  listAll(page: PageRequest): Promise<Page<Organization>>;
  /** Organizations with their own limit on concurrent runs (`maxConcurrentRuns` not null), in any order. */
  listWithRunLimit(): Promise<Organization[]>;
}

export interface UserRepository {
  /** Reserves the int id (`seq`, ≤ 2^31-1) for a new user. */
  nextSeq(): Promise<number>;
  /** Inserts a user; ConflictError on `email`. */
  insert(user: User): Promise<void>;
  update(user: User): Promise<void>;
  findById(id: string): Promise<User | null>;
  findByEmail(email: string): Promise<User | null>;
  /** Users by id, in any order, skipping unknown ids (one query for a page of rows). */
  findByIds(ids: readonly string[]): Promise<User[]>;
  /** Users by int id, in any order, skipping unknown ones (one query for the ids a request names). */
  findBySeqs(seqs: readonly number[]): Promise<User[]>;
  /** Users by id with their role in the org (null for a non-member), skipping unknown ids: one query for a page's users. */
  findByIdsWithRole(orgId: string, ids: readonly string[]): Promise<Array<{ user: User; role: Role | null }>>;
  /** Number of users, to know whether the server needs bootstrapping. */
  count(): Promise<number>;
  /**
   * The active server admins, row-locked until the transaction ends, so two server admins
   * revoking each other at once cannot both pass the "not the last server admin" check.
   */
  listServerAdminsForUpdate(): Promise<User[]>;
  /** Members of an organization with their role, ordered by email. */
  listByOrg(orgId: string, page: PageRequest): Promise<Page<{ user: User; role: Role }>>;
  /** Members of an organization with their role, filtered, sorted and paged by the query (exact total). */
  queryMembers(orgId: string, query: UserQuery): Promise<Page<{ user: User; role: Role }>>;
}

export interface MembershipRepository {
  /** Adds a membership or changes its role. */
  upsert(membership: Membership): Promise<void>;
  find(orgId: string, userId: string): Promise<Membership | null>;
  remove(orgId: string, userId: string): Promise<void>;
  /**
   * The organization's admins, row-locked until the transaction ends, so two admins leaving at
   * once cannot both pass the "not the last admin" check.
   */
  listAdminsForUpdate(orgId: string): Promise<Membership[]>;
}

export interface InvitationRepository {
  /** Inserts an invitation; ConflictError on (org, email): one open invitation per email and org. */
  insert(invitation: Invitation): Promise<void>;
  update(invitation: Invitation): Promise<void>;
  delete(id: string): Promise<void>;
  findById(id: string): Promise<Invitation | null>;
  /** The open invitation of this email to this organization. */
  findByEmail(orgId: string, email: string): Promise<Invitation | null>;
  /** Invitations addressed to an email (any organization), oldest first. */
  listForEmail(email: string): Promise<Invitation[]>;
  /**
   * Deletes the invitations of one organization, or to one email, that expired at or before
   * `now`; returns how many went. Called where invitations are created or listed, so expired
   * ones do not linger without a background job.
   */
  deleteExpired(scope: { orgId: string } | { email: string }, now: Date): Promise<number>;
}

export interface PipelineRepository {
  /** Reserves the int id (`seq`, ≤ 2^31-1) for a new pipeline. */
  nextSeq(): Promise<number>;
  /** Inserts a pipeline with its tag links; ConflictError on `name` within the org. */
  insert(pipeline: Pipeline): Promise<void>;
  /** Saves the pipeline's state and tag links; ConflictError on `name` within the org. */
  update(pipeline: Pipeline): Promise<void>;
  /**
   * Deletes the pipeline; its runs (with logs and file executions), API keys and tag links go
   * with it. Lock the pipeline first (`findByIdForUpdate`), then its open run, as `LOCK_ORDER` says.
   */
  delete(id: string): Promise<void>;
  findById(id: string): Promise<Pipeline | null>;
  /** Loads and row-locks the pipeline until the transaction ends (use inside `transaction`). */
  findByIdForUpdate(id: string): Promise<Pipeline | null>;
  /**
   * Loads the pipeline and holds a shared lock on its row until the transaction ends: it can be
   * neither deleted nor locked for update meanwhile, while other shared holders go on (a run's
   * heartbeat, which only needs its pipeline to stay). See `LOCK_ORDER` in core.
   */
  findByIdForShare(id: string): Promise<Pipeline | null>;
  findBySeq(seq: number): Promise<Pipeline | null>;
  /** One page of the pipelines visible under `visibility` matching the query, with the exact total. */
  list(visibility: Visibility, query: PipelineQuery): Promise<Page<Pipeline>>;
  /**
   * Every pipeline visible under `visibility`, by name, read in keyset batches of `batchSize`
   * (default 500): a whole-collection answer in flat memory, one indexed range read per batch.
   */
  streamByName(visibility: Visibility, options?: { batchSize?: number }): AsyncIterable<Pipeline>;
  /**
   * The int ids (`seq`) of those of `ids` visible under `visibility`; unknown or hidden ids are
   * absent. One narrow read, so a dialect that shows int ids can resolve the pipelines of a
   * batch of runs without loading whole pipelines.
   */
  seqsOf(visibility: Visibility, ids: readonly string[]): Promise<Map<string, number>>;
  /** Every enabled pipeline with a schedule, in all organizations (for the scheduler at boot). */
  listScheduled(): Promise<Pipeline[]>;
  /** Pipelines bound to a workflow. */
  listByWorkflow(workflowId: string): Promise<Pipeline[]>;
}

export interface RunRepository {
  /** Reserves the int id (`seq`) for a new run. */
  nextSeq(): Promise<number>;
  /** Inserts a run; RunInProgressError when its pipeline already has an open run (a storage guarantee). */
  insert(run: Run): Promise<void>;
  /** Saves the run's state and its linked pipelines; RunInProgressError as for insert. */
  update(run: Run): Promise<void>;
  findById(id: string): Promise<Run | null>;
  /**
   * Loads and row-locks the run until the transaction ends. Lock the run's pipeline before (see
   * `LOCK_ORDER` in core, and `lockRun`), or two transactions can deadlock.
   */
  findByIdForUpdate(id: string): Promise<Run | null>;
  findBySeq(seq: number): Promise<Run | null>;
  /** The open (PENDING, EXECUTING or STOPPING) run of a pipeline, if any. */
  findOpenForPipeline(pipelineId: string): Promise<Run | null>;
  /** Deletes a run with its logs, file executions and pipeline links; unknown ids are a no-op. */
  delete(id: string): Promise<void>;
  /**
   * One page of runs visible under `visibility`: a run is visible when its pipeline is,
   * when it has no pipeline and its workflow is, or when any linked pipeline is.
   */
  list(visibility: Visibility, query: RunQuery): Promise<Page<Run>>;
  /** Every visible run, newest first, read in batches from a cursor (flat memory for millions). */
  stream(visibility: Visibility, options?: { batchSize?: number }): AsyncIterable<Run>;
  /**
   * The last `n` runs (highest `index`) of each of `pipelineIds`, oldest first per pipeline,
   * in one query whatever the number of pipelines; a pipeline without runs (or unknown) maps
   * to an empty list. No visibility check: callers pass pipelines the principal may see.
   */
  lastPerPipeline(pipelineIds: readonly string[], n: number): Promise<Map<string, Run[]>>;
  /** Open runs whose lease expired before `now` (their process died), oldest first. */
  listExpiredLeases(now: Date, limit: number): Promise<Run[]>;
}

export interface RunLogRepository {
  /**
   * Appends log lines (one statement for the batch). Outside a transaction, lines of a run that
   * no longer exists (deleted with its pipeline while it ran) are dropped; inside one, that is a
   * NotFoundError.
   */
  append(logs: readonly RunLog[]): Promise<void>;
  /**
   * A run's log lines ordered by time, at or above `minLevel`; `fileExecutionId` null
   * selects the run-level lines, undefined all of them.
   */
  list(
    runId: string,
    filter: { minLevel?: LogLevel; fileExecutionId?: string | null },
    page: PageRequest,
  ): Promise<Page<RunLog>>;
}

export interface FileExecutionRepository {
  /** Inserts or replaces a file execution (by id); a deleted run's is dropped or NotFoundError, as `RunLogRepository.append`. */
  save(execution: FileExecution): Promise<void>;
  /** A run's file executions, oldest first. */
  listByRun(runId: string, page: PageRequest): Promise<Page<FileExecution>>;
}

/** Filters of the API deployment list (all optional, ANDed). */
export interface ApiDeploymentFilter {
  workflowId?: string;
  /** Exact API name. */
  apiName?: string;
  /** Display name contains, case-insensitive. */
  search?: string;
}

export interface ApiDeploymentRepository {
  /** Inserts a deployment; ConflictError on `apiName` within the org. */
  insert(deployment: ApiDeployment): Promise<void>;
  /** Saves the deployment's state; ConflictError on `apiName` within the org. */
  update(deployment: ApiDeployment): Promise<void>;
  /** Deletes the deployment with its API keys (its runs are the workflow's and stay). */
  delete(id: string): Promise<void>;
  findById(id: string): Promise<ApiDeployment | null>;
  findByApiName(orgId: string, apiName: string): Promise<ApiDeployment | null>;
  /** One page of the deployments visible under `visibility`, newest first, with the exact total. */
  list(visibility: Visibility, filter: ApiDeploymentFilter, page: PageRequest): Promise<Page<ApiDeployment>>;
  /** Every deployment of a workflow, in any order (a workflow has few). */
  listByWorkflow(workflowId: string): Promise<ApiDeployment[]>;
}

export interface WorkflowRepository {
  /** Inserts a workflow; ConflictError on `name` within the org. */
  insert(workflow: Workflow): Promise<void>;
  /** Saves the workflow; ConflictError on `name` within the org. */
  update(workflow: Workflow): Promise<void>;
  /** Deletes the workflow with its file histories, pipeline-less runs and API deployments (with their keys). */
  delete(id: string): Promise<void>;
  findById(id: string): Promise<Workflow | null>;
  findByIdForUpdate(id: string): Promise<Workflow | null>;
  /** One page of the workflows visible under `visibility`, with the exact total. */
  list(visibility: Visibility, query: WorkflowQuery): Promise<Page<Workflow>>;
  /**
   * Workflows of every organization whose source or destination settings carry any of `keys`
   * at their top level (credentials written inline before connections existed), oldest first.
   */
  listWithSettingKeys(keys: readonly string[]): Promise<Workflow[]>;
  /** Workflows of the organization whose source or destination names the connection. */
  listByConnection(orgId: string, connectionId: string): Promise<Workflow[]>;
}

export interface ConnectionRepository {
  /** Reserves the int id (`seq`, ≤ 2^31-1) for a new connection. */
  nextSeq(): Promise<number>;
  /** Inserts a connection; ConflictError on `name` within the org. */
  insert(connection: Connection): Promise<void>;
  /** Saves the connection's state; ConflictError on `name` within the org. */
  update(connection: Connection): Promise<void>;
  /** Deletes the connection; returns whether it existed. */
  delete(id: string): Promise<boolean>;
  findById(id: string): Promise<Connection | null>;
  /** Loads and row-locks the connection until the transaction ends. */
  findByIdForUpdate(id: string): Promise<Connection | null>;
  findBySeq(seq: number): Promise<Connection | null>;
  /** The organization's connection with this exact name. */
  findByName(orgId: string, name: string): Promise<Connection | null>;
  /** One page of the organization's connections matching the query, with the exact total. */
  list(orgId: string, query: ConnectionQuery): Promise<Page<Connection>>;
}

export interface FileHistoryRepository {
  /** The history of one file (content hash and path) in a workflow. */
  findByFile(workflowId: string, cacheKey: string, filePath: string): Promise<FileHistory | null>;
  findById(workflowId: string, id: string): Promise<FileHistory | null>;
  /** Inserts a history; ConflictError on (workflow, cacheKey, filePath). */
  insert(history: FileHistory): Promise<void>;
  update(history: FileHistory): Promise<void>;
  list(workflowId: string, query: FileHistoryQuery): Promise<Page<FileHistory>>;
  /** Deletes one history; returns whether it existed. */
  delete(workflowId: string, id: string): Promise<boolean>;
  /** Deletes every history of the workflow matching all filters (none: all of them); returns the count. */
  deleteMatching(workflowId: string, filters: readonly Filter<FileHistoryField>[]): Promise<number>;
}

/** A key with what authenticating a request by it needs, read in one round trip (the hot path). */
export interface KeyCredential {
  key: ApiKey;
  /** Personal keys: whether the user the key belongs to exists and is active. Pipeline keys: true. */
  ownerActive: boolean;
  /** The organization the key is bound to; null if it no longer exists. */
  organization: Organization | null;
  /** Personal keys: the owner's role in that organization, null when not a member. Pipeline keys: null. */
  ownerRole: Role | null;
}

export interface ApiKeyRepository {
  insert(key: ApiKey): Promise<void>;
  update(key: ApiKey): Promise<void>;
  delete(id: string): Promise<void>;
  findById(id: string): Promise<ApiKey | null>;
  /** The key whose secret has this lookup hash (see SecretHasher.lookupHash). */
  findBySecretHash(secretHash: string): Promise<ApiKey | null>;
  /** The key with this lookup hash, its owner's state, its organization and the owner's role there, all read together. */
  findCredential(secretHash: string): Promise<KeyCredential | null>;
  /** Keys of one target (a user's personal keys in an org, a pipeline's keys), oldest first. */
  listByTarget(orgId: string, kind: ApiKeyKind, targetId: string): Promise<ApiKey[]>;
  /** Records use without a full update (hot path; no row lock). */
  touch(id: string, at: Date): Promise<void>;
}

export interface TagRepository {
  /** Inserts a tag; ConflictError on `name` within the org. */
  insert(tag: Tag): Promise<void>;
  update(tag: Tag): Promise<void>;
  findById(id: string): Promise<Tag | null>;
  findByName(orgId: string, name: string): Promise<Tag | null>;
  /** Tags by id, skipping unknown ids (one query for a page of pipelines). */
  findByIds(ids: readonly string[]): Promise<Tag[]>;
  list(orgId: string, query: TagQuery): Promise<Page<Tag>>;
  /** How many pipelines carry each tag. */
  taggedCounts(ids: readonly string[]): Promise<Map<string, number>>;
}

/** Every repository, bound to one transaction or to autocommit. */
export interface Repositories {
  organizations: OrganizationRepository;
  users: UserRepository;
  apiDeployments: ApiDeploymentRepository;
  memberships: MembershipRepository;
  pipelines: PipelineRepository;
  runs: RunRepository;
  runLogs: RunLogRepository;
  fileExecutions: FileExecutionRepository;
  workflows: WorkflowRepository;
  connections: ConnectionRepository;
  fileHistories: FileHistoryRepository;
  apiKeys: ApiKeyRepository;
  tags: TagRepository;
  invitations: InvitationRepository;
}

/** The storage port: repositories in autocommit mode plus a transaction runner. */
export interface Storage extends Repositories {
  /**
   * Runs `work` in one transaction: commits when it resolves, rolls back when it throws.
   * The caller owns the transaction; repositories given to `work` take part in it.
   * A transaction the database aborts for a deadlock or a serialization failure is retried a
   * bounded number of times, so `work` may run more than once: it must do nothing but its
   * reads and writes through `tx` (no side effects outside; publish events after it resolves).
   * A lost database is an UnavailableError; data the database refuses a ValidationError.
   */
  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T>;
  /** Resolves when the store answers (readiness checks). */
  ping(): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;
}
