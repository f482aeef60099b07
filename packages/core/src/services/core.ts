import { AdminService } from './admin.service.js';
import { ApiDeploymentService } from './api-deployment.service.js';
import { ApiKeyService } from './api-key.service.js';
import { AuthService } from './auth.service.js';
import { ConnectionService } from './connection.service.js';
import { DEFAULT_SETTINGS, type CoreDeps } from './context.js';
import { FileHistoryService } from './file-history.service.js';
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
import { randomIds, systemClock } from '../ports/system.js';

/** Every application service, built from the same ports. */
export interface Core {
  deps: CoreDeps;
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
}

/** Ports with a sensible default; the rest (storage, secrets, tokens) must be given. */
export type CoreOptions = Omit<CoreDeps, 'clock' | 'ids' | 'scheduler' | 'executor' | 'events' | 'definitions' | 'connectionKinds' | 'settings'> &
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
    ...options,
    settings: { ...DEFAULT_SETTINGS, ...options.settings },
  };
  const tags = new TagService(deps);
  const apiKeys = new ApiKeyService(deps);
  const connections = new ConnectionService(deps);
  const runs = new RunService(deps);
  return {
    deps,
    admin: new AdminService(deps),
    auth: new AuthService(deps),
    users: new UserService(deps),
    apiKeys,
    apiDeployments: new ApiDeploymentService(deps, apiKeys, runs),
    tags,
    pipelines: new PipelineService(deps, tags, apiKeys),
    workflows: new WorkflowService(deps, connections),
    connections,
    runs,
    lifecycle: new RunLifecycle(deps),
    fileHistories: new FileHistoryService(deps),
  };
}
