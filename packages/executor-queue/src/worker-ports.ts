import type { Clock, IdGenerator, RunLifecycle, UploadedFile, Run } from '@pipewright/core';

/** What the worker uses of the core (all of it from `createCore`). */
export interface WorkerCore {
  lifecycle: Pick<
    RunLifecycle,
    | 'begin'
    | 'heartbeat'
    | 'finish'
    | 'log'
    | 'recoverExpired'
    | 'restartExpired'
    | 'find'
    | 'organizationsWithRunLimit'
  >;
  clock: Clock;
  ids: IdGenerator;
}

/**
 * The engine a worker executes runs with: the engine package's `InProcessExecutor` fits
 * as is (begin → stages → finish, lease heartbeat, timeout, drain). A port rather than an
 * import, so this adapter does not depend on another adapter; the server wires the two.
 */
export interface RunEngine {
  /** Takes a PENDING run (files attached); starts it through `lifecycle.begin`. */
  submit(run: Run, options?: { files?: UploadedFile[] }): Promise<void>;
  /** Resolves when the run is no longer queued or running in this engine. */
  settled(runId: string): Promise<void>;
  /** Aborts the run if this engine is running it. */
  cancel(runId: string): Promise<void>;
  /**
   * Optional: starts what runs need before the first one arrives (the engine's stage sandbox
   * children); called when the worker starts.
   */
  warm?(): void;
  /** Shutdown: no more runs, running ones get `graceMs`, then stop (and the engine's sandbox ends). */
  drain(graceMs: number): Promise<void>;
  /**
   * From now on, a run whose attempt failed with a retryable error and that its pipeline
   * retries (back to PENDING, no lease) goes to `enqueue` with the backoff instead of waiting
   * in the engine: the worker re-enqueues it to start later and holds no slot meanwhile.
   */
  handOffRetries(enqueue: (runId: string, delayMs: number, orgId: string) => Promise<void>): void;
}
