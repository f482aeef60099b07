/** A source or destination itself failed (connection refused, table missing …): the run ends as ERROR. */
export class ConnectorFailure extends Error {
  constructor(
    readonly side: 'source' | 'destination',
    readonly connector: string,
    cause: unknown,
  ) {
    super(`${side} "${connector}" failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** Why the executor aborted a run; the stage sees it as the signal's reason. */
export class RunAbort extends Error {
  constructor(
    readonly why: 'cancel' | 'timeout' | 'shutdown',
    message: string,
  ) {
    super(message);
  }
}
