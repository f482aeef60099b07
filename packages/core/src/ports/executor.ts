import type { Run } from '../domain/run.js';
import type { WorkflowDefinition } from '../domain/workflow.js';

/** An uploaded file handed to a run (the `upload` source). */
export interface UploadedFile {
  name: string;
  content: Uint8Array;
  mimeType?: string;
}

/** Executes runs. The in-process engine and the queue-backed workers implement it. */
export interface Executor {
  /** Accepts a PENDING run for execution; resolves once accepted, not when finished. */
  submit(run: Run, options?: { files?: UploadedFile[] }): Promise<void>;
  /**
   * Asks the process running the run to stop it (second phase of cancel); called too for a
   * run cancelled while PENDING, which a process may hold waiting for its next attempt.
   */
  cancel(runId: string): Promise<void>;
}

/** Checks a workflow definition when it is saved, so bad expressions fail then, not at run time. */
export interface DefinitionValidator {
  /** Throws a ValidationError naming the offending field. */
  validate(definition: WorkflowDefinition): void;
}

/** An executor that accepts runs and leaves them PENDING (embedding without an engine). */
export const noExecutor: Executor = {
  async submit() {},
  async cancel() {},
};

export const acceptAnyDefinition: DefinitionValidator = { validate() {} };
