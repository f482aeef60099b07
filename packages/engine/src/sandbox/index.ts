export {
  StageSandbox,
  SandboxedStages,
  report,
  type StageSandboxOptions,
  type StagesOutcome,
  type PreparedStages,
} from './stage-sandbox.js';
export { SandboxError, SandboxLimitError, SandboxCrashError } from './errors.js';
export type { SandboxProgram, MiddleStage } from './protocol.js';
