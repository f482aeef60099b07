import { describe } from '@jest/globals';
import type { StorageFactory, Suite } from './harness.js';
import { accountSuite } from './suites/accounts.js';
import { apiDeploymentSuite } from './suites/api-deployments.js';
import { apiKeySuite } from './suites/api-keys.js';
import { connectionSuite } from './suites/connections.js';
import { fileHistorySuite } from './suites/file-histories.js';
import { lastRunsSuite } from './suites/last-runs.js';
import { organizationSuite } from './suites/organizations.js';
import { pipelineFilterSuite } from './suites/pipeline-filters.js';
import { pipelineSeqsSuite } from './suites/pipeline-seqs.js';
import { pipelineSortSuite } from './suites/pipeline-sorting.js';
import { pipelineStreamSuite } from './suites/pipeline-stream.js';
import { pipelineTotalsSuite } from './suites/pipeline-totals.js';
import { pipelineSuite } from './suites/pipelines.js';
import { runDeletionSuite } from './suites/run-deletion.js';
import { runLogSuite } from './suites/run-logs.js';
import { runQuerySuite } from './suites/run-queries.js';
import { runSuite } from './suites/runs.js';
import { tagSuite } from './suites/tags.js';
import { transactionSuite } from './suites/transactions.js';
import { userProfilesSuite } from './suites/user-profiles.js';
import { userSeqsSuite } from './suites/user-seqs.js';
import { visibilitySuite } from './suites/visibility.js';
import { workflowSuite } from './suites/workflows.js';

const SUITES: readonly Suite[] = [
  organizationSuite,
  accountSuite,
  userSeqsSuite,
  userProfilesSuite,
  pipelineSuite,
  pipelineFilterSuite,
  pipelineSortSuite,
  pipelineStreamSuite,
  pipelineSeqsSuite,
  pipelineTotalsSuite,
  visibilitySuite,
  runSuite,
  runQuerySuite,
  runLogSuite,
  runDeletionSuite,
  lastRunsSuite,
  workflowSuite,
  fileHistorySuite,
  apiKeySuite,
  apiDeploymentSuite,
  tagSuite,
  connectionSuite,
  transactionSuite,
];

/**
 * Declares the whole conformance suite for one adapter. Call it at the top level of a
 * jest test file. `factory` must return a new, empty storage each time it is called
 * (once per describe block); the kit closes it after the block and then calls `cleanup`.
 */
export function runStorageConformance(adapterName: string, factory: StorageFactory): void {
  describe(`storage conformance: ${adapterName}`, () => {
    for (const suite of SUITES) suite(factory);
  });
}
