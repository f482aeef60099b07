import type { Run } from '../domain/run.js';
import type { WorkflowDefinition } from '../domain/workflow.js';

/**
 * A file uploaded with a run (the `upload` source). Its bytes stay where they were received
 * (a temporary file, rows of the run queue) and are read on demand, one file at a time, so a
 * run never needs all of them in memory.
 */
export interface UploadedFile {
  name: string;
  /** Size in bytes. */
  size: number;
  mimeType?: string;
  /** The bytes from the start, in chunks; may be called again (a retried run reads them anew). */
  stream(): AsyncIterable<Uint8Array>;
  /**
   * Frees the bytes (deletes the temporary file, gives its bytes back to the organization's
   * upload budget); idempotent. Absent when there is nothing to free.
   */
  discard?(): Promise<void>;
}

/** Executes runs. The in-process engine and the queue-backed workers implement it. */
export interface Executor {
  /**
   * Accepts a PENDING run for execution; resolves once accepted, not when finished. The files
   * are the executor's from this call on: it discards them once the run no longer needs them
   * (the run ended, or the bytes were copied elsewhere).
   */
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
