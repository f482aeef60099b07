import type { LogLevel } from '@pipewright/core';
import { createDefaultRegistry } from './connectors/default-registry.js';
import type { ConnectorRegistry } from './connectors/registry.js';
import { EgressPolicy } from './egress/egress-policy.js';
import type { StageSandboxOptions } from './sandbox/stage-sandbox.js';

export interface EngineOptions {
  /** Connectors and handlers; default: the built-ins. */
  registry?: ConnectorRegistry;
  /**
   * Folder filesystem connectors are confined to (a run sees only its organization's own
   * folder in it, `<fileRoot>/<org slug>`); without it they are refused.
   */
  fileRoot?: string | null;
  /** Where connectors may connect (default `EgressPolicy.permissive()`: all but link-local). */
  egress?: EgressPolicy;
  /**
   * Runs executed at once by this process (default 2); the rest wait PENDING, taken round
   * robin over their organizations.
   */
  concurrency?: number;
  /**
   * Runs of one organization executed at once by this process, unless the organization has its
   * own limit (`Organization.maxConcurrentRuns`, set by a server admin). Default: half of
   * `concurrency` rounded up, so the other half is always free for other organizations.
   */
  organizationConcurrency?: number;
  /** How long a run's lease lasts without a heartbeat (default 30 s). */
  leaseMs?: number;
  /** How often the lease is renewed and a cancel looked for (default: a third of the lease, at most 5 s). */
  heartbeatMs?: number;
  /**
   * The operator's maximum run time: runs still going after this long are stopped (null: never).
   * A pipeline's own `runTimeoutSeconds` applies when shorter.
   */
  runTimeoutMs?: number | null;
  /** How often runs with an expired lease are looked for after `startRecovery()` (default: a third of the lease, 1–30 s). */
  recoveryIntervalMs?: number;
  /** Records per batch (default 500). */
  batchSize?: number;
  /** Failed records logged per stage before the rest are only counted (default 20). */
  maxLoggedFailures?: number;
  /**
   * Evaluate the tenant-supplied stages (JSON Schemas, JSONata filter and transformation) in a
   * pool of child processes with a heap and a time limit (`StageSandbox`); `false` (the default)
   * evaluates them on this thread (`StageChain`). Registered handlers always run here.
   */
  sandbox?: StageSandboxOptions | false;
  /** Run log lines below this level are not kept (default DEBUG: all). */
  logLevel?: LogLevel;
  /** Failures of the executor's own bookkeeping (a heartbeat that could not be saved …). */
  onError?: (error: unknown, context: string) => void;
}

export type ResolvedEngineOptions = Required<Omit<EngineOptions, 'fileRoot' | 'runTimeoutMs' | 'sandbox'>> & {
  fileRoot: string | null;
  runTimeoutMs: number | null;
  sandbox: StageSandboxOptions | false;
};

export function resolveEngineOptions(options: EngineOptions): ResolvedEngineOptions {
  const leaseMs = options.leaseMs ?? 30_000;
  const concurrency = Math.max(1, options.concurrency ?? 2);
  return {
    registry: options.registry ?? createDefaultRegistry(),
    fileRoot: options.fileRoot ?? null,
    egress: options.egress ?? EgressPolicy.permissive(),
    concurrency,
    organizationConcurrency: Math.max(1, options.organizationConcurrency ?? Math.ceil(concurrency / 2)),
    leaseMs,
    heartbeatMs: options.heartbeatMs ?? Math.min(5_000, Math.floor(leaseMs / 3)),
    runTimeoutMs: options.runTimeoutMs ?? null,
    sandbox: options.sandbox ?? false,
    // Sweeps follow the lease: a run whose process died ends about a lease after its last heartbeat.
    recoveryIntervalMs: options.recoveryIntervalMs ?? Math.min(30_000, Math.max(1_000, Math.floor(leaseMs / 3))),
    batchSize: Math.max(1, options.batchSize ?? 500),
    maxLoggedFailures: options.maxLoggedFailures ?? 20,
    logLevel: options.logLevel ?? 'DEBUG',
    onError: options.onError ?? (() => {}),
  };
}
