/**
 * The public surface of @pipewright/core: what embedders, storage adapters, executors and HTTP
 * dialects build on — the aggregates, the typed errors, the ports, the policies dialects call,
 * and the services with their input and result types. Helpers the services share among
 * themselves (query checks, run access, lock order, sharing, issue collection) stay inside.
 */
export * from './errors/domain-error.js';

export * from './domain/api-deployment.js';
export * from './domain/api-key.js';
export * from './domain/connection.js';
export * from './domain/cron-expression.js';
export * from './domain/file-history.js';
export * from './domain/invitation.js';
export * from './domain/organization.js';
export * from './domain/password-policy.js';
export * from './domain/pipeline.js';
export * from './domain/retry-policy.js';
export * from './domain/run.js';
export * from './domain/run-log.js';
export * from './domain/schedule.js';
export * from './domain/tag.js';
export * from './domain/user.js';
export * from './domain/workflow.js';
// Id rules adapters share (uuid ids, int ids up to 2^31-1) and the generic-rule issues dialects word.
export { isUuid, MAX_SEQ, ruleIssue } from './domain/validate.js';

export * from './policies/actor.js';
export * from './policies/flow.policy.js';
export * from './policies/resource.policy.js';
export * from './policies/server-admin.policy.js';

export * from './ports/connection-kinds.js';
export * from './ports/event-sink.js';
export * from './ports/executor.js';
export * from './ports/operations.js';
export * from './ports/query.js';
export * from './ports/scheduler.js';
export * from './ports/storage.js';
export * from './ports/system.js';

export * from './services/account.service.js';
export * from './services/admin.service.js';
export * from './services/api-deployment.service.js';
export * from './services/api-key.service.js';
export * from './services/auth.service.js';
export * from './services/connection.service.js';
export type { CoreSettings } from './services/context.js';
export * from './services/core.js';
export * from './services/user.service.js';
export * from './services/file-history.service.js';
export * from './services/locate.service.js';
export * from './services/membership.service.js';
export * from './services/operations.service.js';
export * from './services/schedule.service.js';
export {
  PipelineService,
  type NewPipeline,
  type PipelineChanges,
  type PipelineWorkflow,
} from './services/pipeline.service.js';
// The page size limit the services enforce, and the page that fetches a list of ids in one query.
export { MAX_PAGE_SIZE, pageForIds } from './services/query-check.js';
// Executors drive runs through the lifecycle (`core.lifecycle`).
export * from './services/run-lifecycle.js';
export * from './services/run.service.js';
export type { ScheduleInput } from './services/schedule-input.js';
export * from './services/tag.service.js';
export * from './services/workflow.service.js';
