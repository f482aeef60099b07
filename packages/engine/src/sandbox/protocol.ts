/*
 * Messages between the stage sandbox (main process) and its child processes. Everything
 * here is plain data: it crosses the IPC channel by structured clone.
 */

/** The stages a child evaluates: the tenant-supplied ones (a handler never leaves the main thread). */
export interface SandboxProgram {
  inputSchema?: Record<string, unknown>;
  filter?: string;
  /** A JSONata transformation; absent when the workflow has none or uses a handler. */
  transformation?: string;
  outputSchema?: Record<string, unknown>;
}

/** Which stages of the program a request runs: `pre` = 1–3, `post` = 4 only (after a main-thread handler). */
export type Phase = 'all' | 'pre' | 'post';

/** Stage slots 1–4 in the order the records meet them (the StageIndex values of stage-tally.ts). */
export type MiddleStage = 1 | 2 | 3 | 4;

export interface EvaluateRequest {
  type: 'evaluate';
  id: number;
  /** Hash of the program; the child keeps compiled programs by it. */
  key: string;
  /** Sent when the child may not have the program yet (it answers `missing` otherwise). */
  program?: SandboxProgram;
  phase: Phase;
  records: unknown[];
}

export interface EvaluateResult {
  type: 'result';
  id: number;
  /** Records that passed every stage of the phase, in order. */
  records: unknown[];
  /** Per stage of the phase that is configured: how many passed and failed. */
  counts: Array<{ stage: MiddleStage; passed: number; failed: number }>;
  /** Failed records in the order StageChain reports them: stage by stage, record by record. */
  failures: Array<{ stage: MiddleStage; reason: string }>;
}

export interface ProgramMissing {
  type: 'missing';
  id: number;
}

export interface EvaluateError {
  type: 'error';
  id: number;
  message: string;
}

export type ToChild = EvaluateRequest;
export type FromChild = EvaluateResult | ProgramMissing | EvaluateError | { type: 'ready' };
