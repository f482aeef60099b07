export * from './errors/domain-error.js';

export * from './domain/api-deployment.js';
export * from './domain/api-key.js';
export * from './domain/connection.js';
export * from './domain/cron-expression.js';
export * from './domain/file-history.js';
export * from './domain/organization.js';
export * from './domain/pipeline.js';
export * from './domain/retry-policy.js';
export * from './domain/run.js';
export * from './domain/run-log.js';
export * from './domain/schedule.js';
export * from './domain/tag.js';
export * from './domain/user.js';
export * from './domain/validate.js';
export * from './domain/workflow.js';

export * from './policies/actor.js';
export * from './policies/flow.policy.js';
export * from './policies/resource.policy.js';

export * from './ports/connection-kinds.js';
export * from './ports/event-sink.js';
export * from './ports/executor.js';
export * from './ports/query.js';
export * from './ports/scheduler.js';
export * from './ports/storage.js';
export * from './ports/system.js';

export * from './services/admin.service.js';
export * from './services/api-deployment.service.js';
export * from './services/api-key.service.js';
export * from './services/auth.service.js';
export * from './services/connection.service.js';
export * from './services/context.js';
export * from './services/core.js';
export * from './services/user.service.js';
export * from './services/file-history.service.js';
export * from './services/pipeline.service.js';
export * from './services/query-check.js';
export * from './services/run-access.js';
export * from './services/run-lifecycle.js';
export * from './services/run.service.js';
export * from './services/schedule-input.js';
export * from './services/sharing.js';
export * from './services/tag.service.js';
export * from './services/workflow.service.js';
