/** A batch or run the stage sandbox could not evaluate; the run should end as ERROR. */
export class SandboxError extends Error {
  override readonly name: string = 'SandboxError';
}

/**
 * The tenant's stages went over a limit: the child's heap (`memory`: it ran out, or asked
 * V8 for an object larger than it allows) or the wall-clock time of a batch or the run
 * (`time`). The child was terminated; the rest of the process is unaffected.
 */
export class SandboxLimitError extends SandboxError {
  override readonly name = 'SandboxLimitError';
  constructor(
    readonly kind: 'memory' | 'time',
    message: string,
    readonly scope: 'batch' | 'run' | null = null,
  ) {
    super(message);
  }
}

/** The child died for another reason (a crash in native code, killed from outside …). */
export class SandboxCrashError extends SandboxError {
  override readonly name = 'SandboxCrashError';
}
