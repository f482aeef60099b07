import { Issues } from './validate.js';

/** How a pipeline's runs are retried after a retryable failure (a connector timeout, a refused connection). */
export interface RetryPolicySpec {
  /** Attempts in all, the first included: 1 means no retry. */
  maxAttempts: number;
  /** Wait before the second attempt, in seconds. */
  backoffSeconds: number;
  /** Each further wait is the previous one times this. */
  backoffMultiplier: number;
  /** No wait is longer than this, in seconds. */
  maxBackoffSeconds: number;
}

/** A partial policy: given fields replace, missing ones are kept (or take the defaults). */
export type RetryPolicyInput = Partial<RetryPolicySpec>;

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicySpec> = Object.freeze({
  maxAttempts: 1,
  backoffSeconds: 10,
  backoffMultiplier: 2,
  maxBackoffSeconds: 600,
});

export const RETRY_LIMITS = Object.freeze({
  maxAttempts: 10,
  backoffSeconds: 3_600,
  backoffMultiplier: 10,
  maxBackoffSeconds: 86_400,
});

function integer(issues: Issues, field: string, value: unknown, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    issues.add(`retry.${field}`, `Must be an integer from ${min} to ${max}.`, 'out_of_range');
}

/**
 * A pipeline's retry policy: at most `maxAttempts` attempts; the wait after attempt n is
 * `backoffSeconds × backoffMultiplier^(n−1)`, capped at `maxBackoffSeconds`.
 */
export class RetryPolicy {
  private constructor(readonly spec: Readonly<RetryPolicySpec>) {}

  /** No retry: one attempt. */
  static readonly NONE = new RetryPolicy(DEFAULT_RETRY_POLICY);

  /**
   * `input` over `base` (default: the defaults). Throws a ValidationError naming every bad
   * field (`retry.maxAttempts` …), so a client sees all problems at once.
   */
  static of(input: RetryPolicyInput, base: RetryPolicySpec = DEFAULT_RETRY_POLICY): RetryPolicy {
    const issues = new Issues();
    integer(issues, 'maxAttempts', input.maxAttempts, 1, RETRY_LIMITS.maxAttempts);
    integer(issues, 'backoffSeconds', input.backoffSeconds, 0, RETRY_LIMITS.backoffSeconds);
    integer(issues, 'maxBackoffSeconds', input.maxBackoffSeconds, 0, RETRY_LIMITS.maxBackoffSeconds);
    const m = input.backoffMultiplier;
    if (
      m !== undefined &&
      (typeof m !== 'number' || !Number.isFinite(m) || m < 1 || m > RETRY_LIMITS.backoffMultiplier)
    )
      issues.add(
        'retry.backoffMultiplier',
        `Must be a number from 1 to ${RETRY_LIMITS.backoffMultiplier}.`,
        'out_of_range',
      );
    issues.throwIfAny();
    const spec: RetryPolicySpec = {
      maxAttempts: input.maxAttempts ?? base.maxAttempts,
      backoffSeconds: input.backoffSeconds ?? base.backoffSeconds,
      backoffMultiplier: input.backoffMultiplier ?? base.backoffMultiplier,
      maxBackoffSeconds: input.maxBackoffSeconds ?? base.maxBackoffSeconds,
    };
    // A cap below the first wait would silently shorten it: say so instead.
    if (spec.maxBackoffSeconds < spec.backoffSeconds)
      issues.add(
        'retry.maxBackoffSeconds',
        `Must be at least backoffSeconds (${spec.backoffSeconds}).`,
        'out_of_range',
      );
    issues.throwIfAny();
    return new RetryPolicy(Object.freeze(spec));
  }

  /** A stored policy (trusted, as `restore` is). */
  static fromSpec(spec: RetryPolicySpec): RetryPolicy {
    return new RetryPolicy(Object.freeze({ ...spec }));
  }

  get maxAttempts(): number {
    return this.spec.maxAttempts;
  }

  /** Whether a run whose attempt `attempt` (1-based) failed retryably gets another one. */
  allowsAttemptAfter(attempt: number): boolean {
    return attempt < this.spec.maxAttempts;
  }

  /** The wait, in milliseconds, between attempt `attempt` (1-based) failing and the next one. */
  delayMsAfter(attempt: number): number {
    const { backoffSeconds, backoffMultiplier, maxBackoffSeconds } = this.spec;
    const seconds = Math.min(maxBackoffSeconds, backoffSeconds * backoffMultiplier ** Math.max(0, attempt - 1));
    return Math.round(seconds * 1000);
  }
}
