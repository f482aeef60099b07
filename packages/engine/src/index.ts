export { InProcessExecutor, SHUTDOWN, type RetryHandOff } from './in-process-executor.js';
export { resolveEngineOptions, type EngineOptions } from './engine-options.js';
export { FairQueue } from './fair-queue.js';
export { runTimeLimit } from './run-time-limit.js';
export { RunEngine, type EngineCore, type RunJob, type RunResult } from './run-engine.js';
export {
  StageSandbox,
  SandboxError,
  SandboxLimitError,
  SandboxCrashError,
  type StageSandboxOptions,
} from './sandbox/index.js';
export { RunLogger } from './run-logger.js';
export { RunProgress, StageTally } from './stage-tally.js';
export { EngineDefinitionValidator } from './definition-validator.js';
export { ConnectorFailure, RetryableError, RunAbort } from './errors.js';
export { isRetryable } from './retryable.js';
export { ConnectorRegistry, type ConnectorInfo, type ConnectionKindInfo } from './connectors/registry.js';
export { createDefaultRegistry } from './connectors/default-registry.js';
export {
  filesystemConnectionKind,
  postgresConnectionKind,
  webhookConnectionKind,
} from './connectors/connection-kinds.js';
export type * from './connectors/types.js';
export { parseFile, formatOf, type ParsedFile } from './files/parse-file.js';
export { parseFileStream } from './files/parse-file-stream.js';
export { uploadedBytes } from './files/uploaded-bytes.js';
export {
  EgressConfigError,
  EgressDeniedError,
  EgressPolicy,
  parseEgressList,
  type EgressConfig,
  type EgressTarget,
  type Resolver,
} from './egress/egress-policy.js';
export {
  CONNECTION_TEST_TIMEOUT_MS,
  EngineConnectionKinds,
  INLINE_CREDENTIAL_KEYS,
  organizationFolder,
  type EngineConnectionKindsOptions,
} from './engine-connection-kinds.js';
export { Redactor } from './redactor.js';
