import { isRetryable } from './retryable.js';

/**
 * A source or destination itself failed (connection refused, table missing …): the run ends as
 * ERROR, or is tried again when the failure is `retryable` and its pipeline's policy allows it.
 */
export class ConnectorFailure extends Error {
  /** The connection failed, not the data or the settings: another attempt may succeed. */
  readonly retryable: boolean;

  constructor(
    readonly side: 'source' | 'destination',
    readonly connector: string,
    cause: unknown,
  ) {
    super(`${side} "${connector}" failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.retryable = isRetryable(cause);
  }
}

/**
 * Thrown by a connector (a plug-in's too) when the failure is transient — a timeout, a dropped
 * connection, a server answering "try later" — so the run is tried again per its pipeline's policy.
 */
export class RetryableError extends Error {
  readonly retryable = true;
}

/** Why the executor aborted a run; the stage sees it as the signal's reason. */
export class RunAbort extends Error {
  constructor(
    /** `lease`: this executor no longer holds the run (it began elsewhere); it leaves the run alone. */
    readonly why: 'cancel' | 'timeout' | 'shutdown' | 'lease',
    message: string,
  ) {
    super(message);
  }
}
