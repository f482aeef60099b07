import { AccountService } from './account.service.js';
import { AdminService } from './admin.service.js';
import { ApiDeploymentService } from './api-deployment.service.js';
import { ApiKeyService } from './api-key.service.js';
import { AuthService } from './auth.service.js';
import { ConnectionService } from './connection.service.js';
import { DEFAULT_SETTINGS, type CoreDeps } from './context.js';
import { FileHistoryService } from './file-history.service.js';
import { LocateService } from './locate.service.js';
import { MembershipService } from './membership.service.js';
import { OperationsService } from './operations.service.js';
import { ScheduleService } from './schedule.service.js';
import { PipelineService } from './pipeline.service.js';
import { UserService } from './user.service.js';
import { RunLifecycle } from './run-lifecycle.js';
import { RunService } from './run.service.js';
import { TagService } from './tag.service.js';
import { WorkflowService } from './workflow.service.js';
import { anyConnectionKind } from '../ports/connection-kinds.js';
import { noEvents } from '../ports/event-sink.js';
import { acceptAnyDefinition, noExecutor } from '../ports/executor.js';
import { noScheduler } from '../ports/scheduler.js';
import { noPasswordScreen, randomIds, systemClock, type Clock, type IdGenerator } from '../ports/system.js';

/**
 * Every application service, built from the same ports. The ports themselves stay inside:
 * adapters (the engine, the queue worker, the dialects) reach storage only through these services.
 */
export interface Core {
  /** The time every service stamps with; adapters that stamp their own records (run log lines) use it too. */
  clock: Clock;
  /** The id source every service uses; adapters that create records the core stores (run log lines, file executions) use it too. */
  ids: IdGenerator;
  admin: AdminService;
  auth: AuthService;
  users: UserService;
  apiKeys: ApiKeyService;
  apiDeployments: ApiDeploymentService;
  tags: TagService;
  pipelines: PipelineService;
  workflows: WorkflowService;
  connections: ConnectionService;
  runs: RunService;
  lifecycle: RunLifecycle;
  fileHistories: FileHistoryService;
  /** Lookups across every organization a principal may act in (APIs with global ids). */
  locate: LocateService;
  /** Invitations, leaving and removing members (consent: nobody joins an organization unasked). */
  memberships: MembershipService;
  /** Server-wide account administration (deactivation, every organization): server admins. */
  accounts: AccountService;
  /** A pipeline's schedule fires (the scheduler's ledger). */
  schedules: ScheduleService;
  /** Server-wide operational reads (the queue's workers), for server admins. */
  operations: OperationsService;
}

/** Ports with a sensible default; the rest (storage, secrets, tokens) must be given. */
export type CoreOptions = Omit<
  CoreDeps,
  | 'clock'
  | 'ids'
  | 'scheduler'
  | 'executor'
  | 'events'
  | 'definitions'
  | 'connectionKinds'
  | 'fireLedger'
  | 'workers'
  | 'passwords'
  | 'settings'
> &
  Partial<Omit<CoreDeps, 'settings'>> & { settings?: Partial<CoreDeps['settings']> };

export function createCore(options: CoreOptions): Core {
  const deps: CoreDeps = {
    clock: systemClock,
    ids: randomIds,
    scheduler: noScheduler,
    executor: noExecutor,
    events: noEvents,
    definitions: acceptAnyDefinition,
    connectionKinds: anyConnectionKind,
    fireLedger: null,
    workers: null,
    passwords: noPasswordScreen,
    ...options,
    settings: { ...DEFAULT_SETTINGS, ...options.settings },
  };
  const tags = new TagService(deps);
  const apiKeys = new ApiKeyService(deps);
  const connections = new ConnectionService(deps);
  const runs = new RunService(deps);
  const workflows = new WorkflowService(deps, connections);
  const pipelines = new PipelineService(deps, tags, apiKeys, workflows);
  const admin = new AdminService(deps);
  const auth = new AuthService(deps);
  return {
    clock: deps.clock,
    ids: deps.ids,
    admin,
    auth,
    users: new UserService(deps),
    apiKeys,
    apiDeployments: new ApiDeploymentService(deps, apiKeys, runs),
    tags,
    pipelines,
    workflows,
    connections,
    runs,
    lifecycle: new RunLifecycle(deps),
    fileHistories: new FileHistoryService(deps),
    locate: new LocateService(auth, { pipelines, runs, tags, admin }),
    memberships: new MembershipService(deps),
    accounts: new AccountService(deps),
    schedules: new ScheduleService(deps, pipelines),
    operations: new OperationsService(deps),
  };
}
