import {
  ApiKey,
  Connection,
  FileHistory,
  Organization,
  Pipeline,
  Run,
  Tag,
  User,
  Workflow,
  type ApiKeyKind,
  type DeploymentType,
  type FileExecution,
  type FileExecutionStatus,
  type FileHistoryStatus,
  type LogLevel,
  type PipelineType,
  type RetryPolicyInput,
  type Role,
  type RunLog,
  type RunStatus,
  type RunTrigger,
  type Schedule,
  type Storage,
  type TagColor,
  type Visibility,
  type WorkflowDefinition,
} from '@pipewright/core';

/** The kit's reference time; tests place their rows at offsets from it. */
export const T0 = new Date('2026-01-01T00:00:00.000Z');

/** T0 plus `minutes` (and `ms` milliseconds). */
export function at(minutes: number, ms = 0): Date {
  return new Date(T0.getTime() + minutes * 60_000 + ms);
}

export function uuid(): string {
  return globalThis.crypto.randomUUID();
}

/**
 * A value unique within a storage for fields that are unique across organizations
 * (slugs, emails). Lower-case ASCII; the prefix comes first so it decides the order.
 */
export function unique(prefix: string): string {
  counter += 1;
  const random = globalThis.crypto.getRandomValues(new Uint32Array(1))[0]! % 1_000_000;
  return `${prefix}-${counter}x${String(random).padStart(6, '0')}`;
}
let counter = 0;

/** What a user sees: owned, shared and shared-to-org rows of the org. */
export function userView(orgId: string, userId: string): Visibility {
  return { orgId, userId, all: false };
}

/** What an org admin (or a service) sees: every row of the org. */
export function adminView(orgId: string): Visibility {
  return { orgId, userId: uuid(), all: true };
}

export interface RunInput {
  org: Organization;
  /** The run's pipeline; its workflow is used unless `workflow` is given. */
  pipeline?: Pipeline | null;
  workflow?: Workflow;
  status?: RunStatus;
  trigger?: RunTrigger;
  triggeredBy?: string | null;
  index?: number | null;
  createdAt?: Date;
  /** When it started (EXECUTING and later); defaults to createdAt. */
  startedAt?: Date;
  /** When it ended (finished states); defaults to startedAt. */
  endedAt?: Date;
  /** Lease of an EXECUTING or STOPPING run; defaults to startedAt + 5 minutes. */
  leaseUntil?: Date;
  input?: unknown[] | null;
}

/**
 * Builders for every aggregate, going through the core `create()` methods and
 * persisting through the storage under test (autocommit).
 */
export class Fixtures {
  constructor(readonly storage: Storage) {}

  async org(opts: { slug?: string; name?: string; now?: Date } = {}): Promise<Organization> {
    const org = Organization.create({
      id: uuid(),
      seq: await this.storage.organizations.nextSeq(),
      slug: opts.slug ?? unique('org'),
      name: opts.name,
      now: opts.now ?? T0,
    });
    await this.storage.organizations.insert(org);
    return org;
  }

  async user(opts: { name?: string; email?: string; passwordHash?: string | null; now?: Date } = {}): Promise<User> {
    const name = opts.name ?? 'user';
    const user = User.create({
      id: uuid(),
      seq: await this.storage.users.nextSeq(),
      email: opts.email ?? `${unique(name)}@example.test`,
      name,
      passwordHash: opts.passwordHash ?? null,
      now: opts.now ?? T0,
    });
    await this.storage.users.insert(user);
    return user;
  }

  async member(org: Organization, user: User, role: Role = 'member', now = T0): Promise<void> {
    await this.storage.memberships.upsert({ orgId: org.id, userId: user.id, role, createdAt: now });
  }

  /** A user who is a member of the org. */
  async memberUser(org: Organization, opts: { name?: string; email?: string; role?: Role } = {}): Promise<User> {
    const user = await this.user(opts);
    await this.member(org, user, opts.role ?? 'member');
    return user;
  }

  async workflow(
    org: Organization,
    owner: User,
    opts: {
      name?: string;
      description?: string | null;
      deploymentType?: DeploymentType;
      definition?: Partial<WorkflowDefinition>;
      maxFileExecutionCount?: number | null;
      now?: Date;
    } = {},
  ): Promise<Workflow> {
    const workflow = Workflow.create({
      id: uuid(),
      orgId: org.id,
      name: opts.name ?? unique('workflow'),
      description: opts.description,
      ownerId: owner.id,
      deploymentType: opts.deploymentType,
      definition: opts.definition,
      maxFileExecutionCount: opts.maxFileExecutionCount,
      now: opts.now ?? T0,
    });
    await this.storage.workflows.insert(workflow);
    return workflow;
  }

  /** A pipeline built (not saved) with the next seq. */
  async buildPipeline(
    org: Organization,
    owner: User,
    workflow: Workflow,
    opts: {
      name?: string;
      description?: string | null;
      type?: PipelineType;
      enabled?: boolean;
      schedule?: Schedule | null;
      tags?: readonly Tag[];
      updatedAtColumn?: string | null;
      retry?: RetryPolicyInput;
      runTimeoutSeconds?: number | null;
      now?: Date;
    } = {},
  ): Promise<Pipeline> {
    const now = opts.now ?? T0;
    const pipeline = Pipeline.create({
      id: uuid(),
      seq: await this.storage.pipelines.nextSeq(),
      orgId: org.id,
      name: opts.name ?? unique('pipeline'),
      description: opts.description,
      type: opts.type,
      workflowId: workflow.id,
      ownerId: owner.id,
      enabled: opts.enabled,
      schedule: opts.schedule,
      updatedAtColumn: opts.updatedAtColumn,
      retry: opts.retry,
      runTimeoutSeconds: opts.runTimeoutSeconds,
      now,
    });
    for (const tag of opts.tags ?? []) pipeline.addTag(tag, owner.id, now);
    return pipeline;
  }

  async pipeline(...args: Parameters<Fixtures['buildPipeline']>): Promise<Pipeline> {
    const pipeline = await this.buildPipeline(...args);
    await this.storage.pipelines.insert(pipeline);
    return pipeline;
  }

  async tag(
    org: Organization,
    creator: User,
    opts: { name?: string; color?: TagColor; exclusive?: boolean; now?: Date } = {},
  ): Promise<Tag> {
    const tag = Tag.create({
      id: uuid(),
      orgId: org.id,
      name: opts.name ?? unique('tag'),
      color: opts.color ?? 'grey',
      exclusive: opts.exclusive,
      createdBy: creator.id,
      now: opts.now ?? T0,
    });
    await this.storage.tags.insert(tag);
    return tag;
  }

  /** A connection built (not saved) with the next seq. */
  async buildConnection(
    org: Organization,
    creator: User,
    opts: {
      name?: string;
      description?: string | null;
      kind?: string;
      settings?: Record<string, unknown>;
      sealedSecrets?: Record<string, string>;
      now?: Date;
    } = {},
  ): Promise<Connection> {
    return Connection.create({
      id: uuid(),
      seq: await this.storage.connections.nextSeq(),
      orgId: org.id,
      name: opts.name ?? unique('connection'),
      description: opts.description,
      kind: opts.kind ?? 'postgres',
      settings: opts.settings ?? {
        host: 'db.example.test',
        port: 5432,
        database: 'app',
        user: 'reader',
        ssl: 'disable',
      },
      sealedSecrets: opts.sealedSecrets ?? { password: 'sealed:v1:abc' },
      by: creator.id,
      now: opts.now ?? T0,
    });
  }

  async connection(...args: Parameters<Fixtures['buildConnection']>): Promise<Connection> {
    const connection = await this.buildConnection(...args);
    await this.storage.connections.insert(connection);
    return connection;
  }

  /** A run brought to `status` through the aggregate's own transitions (not saved). */
  async buildRun(input: RunInput): Promise<Run> {
    const createdAt = input.createdAt ?? T0;
    const startedAt = input.startedAt ?? createdAt;
    const endedAt = input.endedAt ?? startedAt;
    const workflowId = input.workflow?.id ?? input.pipeline?.workflowId;
    if (!workflowId) throw new Error('A run needs a pipeline or a workflow.');
    const run = Run.create({
      id: uuid(),
      seq: await this.storage.runs.nextSeq(),
      orgId: input.org.id,
      pipelineId: input.pipeline?.id ?? null,
      workflowId,
      index: input.index,
      trigger: input.trigger ?? 'manual',
      triggeredBy: input.triggeredBy ?? null,
      input: input.input,
      now: createdAt,
    });
    const lease = input.leaseUntil ?? new Date(startedAt.getTime() + 5 * 60_000);
    switch (input.status ?? 'PENDING') {
      case 'PENDING':
        break;
      case 'EXECUTING':
        run.start(startedAt, lease, 'attempt-1');
        break;
      case 'STOPPING':
        run.start(startedAt, lease, 'attempt-1');
        run.requestCancel(input.triggeredBy ?? null, startedAt);
        break;
      case 'COMPLETED':
        run.start(startedAt, lease, 'attempt-1');
        run.complete(endedAt);
        break;
      case 'ERROR':
        run.start(startedAt, lease, 'attempt-1');
        run.fail('boom', endedAt);
        break;
      case 'STOPPED':
        run.requestCancel(input.triggeredBy ?? null, endedAt);
        break;
    }
    return run;
  }

  async run(input: RunInput): Promise<Run> {
    const run = await this.buildRun(input);
    await this.storage.runs.insert(run);
    return run;
  }

  /** Records `run` as the pipeline's latest run (as the run lifecycle does) and saves the pipeline. */
  async markLatestRun(pipeline: Pipeline, run: Run): Promise<Pipeline> {
    pipeline.recordRunStarted({ id: run.id, status: run.status, createdAt: run.createdAt });
    await this.storage.pipelines.update(pipeline);
    return pipeline;
  }

  async apiKey(opts: {
    org: Organization;
    kind: ApiKeyKind;
    targetId: string;
    createdBy: User;
    description?: string | null;
    secretHash?: string;
    expiresAt?: Date | null;
    now?: Date;
  }): Promise<ApiKey> {
    const targets =
      opts.kind === 'personal'
        ? { user: opts.targetId }
        : opts.kind === 'pipeline'
          ? { pipeline: opts.targetId }
          : { deployment: opts.targetId };
    const key = ApiKey.create({
      id: uuid(),
      orgId: opts.org.id,
      kind: opts.kind,
      targets,
      description: opts.description,
      secretHash: opts.secretHash ?? `hash-${uuid()}`,
      secretSealed: 'sealed-secret',
      prefix: 'pw_abcd',
      createdBy: opts.createdBy.id,
      expiresAt: opts.expiresAt,
      now: opts.now ?? T0,
    });
    await this.storage.apiKeys.insert(key);
    return key;
  }

  async fileHistory(
    workflow: Workflow,
    opts: {
      cacheKey?: string;
      filePath?: string;
      status?: FileHistoryStatus;
      result?: unknown;
      metadata?: Record<string, unknown> | null;
      /** Extra executions recorded after the first (executionCount = 1 + this). */
      moreExecutions?: number;
      now?: Date;
    } = {},
  ): Promise<FileHistory> {
    const now = opts.now ?? T0;
    const history = FileHistory.create({
      id: uuid(),
      workflowId: workflow.id,
      cacheKey: opts.cacheKey ?? uuid().replace(/-/g, ''),
      filePath: opts.filePath ?? `${unique('file')}.csv`,
      status: opts.status ?? 'COMPLETED',
      result: opts.result,
      metadata: opts.metadata,
      now,
    });
    for (let i = 0; i < (opts.moreExecutions ?? 0); i++)
      history.recordExecution({ status: opts.status ?? 'COMPLETED', result: opts.result }, now);
    await this.storage.fileHistories.insert(history);
    return history;
  }

  /** A run log line (not saved). */
  log(
    run: Run,
    opts: {
      level?: LogLevel;
      time?: Date;
      message?: string;
      fileExecutionId?: string | null;
      stage?: string | null;
    } = {},
  ): RunLog {
    return {
      id: uuid(),
      runId: run.id,
      level: opts.level ?? 'INFO',
      stage: opts.stage ?? null,
      message: opts.message ?? 'a log line',
      fileExecutionId: opts.fileExecutionId ?? null,
      time: opts.time ?? T0,
    };
  }

  /** A file execution of a run (not saved). */
  fileExecution(
    run: Run,
    opts: { fileName?: string; status?: FileExecutionStatus; createdAt?: Date; executionTimeMs?: number | null } = {},
  ): FileExecution {
    const createdAt = opts.createdAt ?? T0;
    const fileName = opts.fileName ?? `${unique('file')}.csv`;
    return {
      id: uuid(),
      runId: run.id,
      fileName,
      filePath: `in/${fileName}`,
      cacheKey: null,
      status: opts.status ?? 'COMPLETED',
      error: null,
      executionTimeMs: opts.executionTimeMs ?? null,
      createdAt,
      updatedAt: createdAt,
    };
  }
}
