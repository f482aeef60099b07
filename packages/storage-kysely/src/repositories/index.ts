import type { Repositories } from '@pipewright/core';
import { apiDeploymentRepository } from './api-deployments.js';
import { apiKeyRepository } from './api-keys.js';
import { connectionRepository } from './connections.js';
import { fileExecutionRepository } from './file-executions.js';
import { fileHistoryRepository } from './file-histories.js';
import { invitationRepository } from './invitations.js';
import { membershipRepository } from './memberships.js';
import { organizationRepository } from './organizations.js';
import { pipelineRepository } from './pipelines.js';
import { runLogRepository } from './run-logs.js';
import { runRepository } from './runs.js';
import { tagRepository } from './tags.js';
import { userRepository } from './users.js';
import { workflowRepository } from './workflows.js';
import type { Db } from './support.js';

/** Every repository over one handle: the Kysely instance (autocommit) or a transaction. */
export function createRepositories(db: Db): Repositories {
  return {
    organizations: organizationRepository(db),
    users: userRepository(db),
    memberships: membershipRepository(db),
    pipelines: pipelineRepository(db),
    runs: runRepository(db),
    runLogs: runLogRepository(db),
    fileExecutions: fileExecutionRepository(db),
    workflows: workflowRepository(db),
    connections: connectionRepository(db),
    fileHistories: fileHistoryRepository(db),
    apiKeys: apiKeyRepository(db),
    apiDeployments: apiDeploymentRepository(db),
    tags: tagRepository(db),
    invitations: invitationRepository(db),
  };
}
