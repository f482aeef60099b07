import type { Repositories } from '@pipewright/core';
import type { Sequences } from '../sequences.js';
import type { Db } from '../tables.js';
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

/** Every repository over one way of reaching the tables (autocommit or a transaction). */
export function createRepositories(db: Db, sequences: Sequences): Repositories {
  return {
    organizations: organizationRepository(db, sequences),
    users: userRepository(db, sequences),
    memberships: membershipRepository(db),
    pipelines: pipelineRepository(db, sequences),
    runs: runRepository(db, sequences),
    runLogs: runLogRepository(db),
    fileExecutions: fileExecutionRepository(db),
    workflows: workflowRepository(db),
    connections: connectionRepository(db, sequences),
    fileHistories: fileHistoryRepository(db),
    apiKeys: apiKeyRepository(db),
    apiDeployments: apiDeploymentRepository(db),
    tags: tagRepository(db),
    invitations: invitationRepository(db),
  };
}
