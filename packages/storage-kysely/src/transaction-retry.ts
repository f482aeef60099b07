import { UnavailableError } from '@pipewright/core';
import { BUSY_MESSAGE, isRetryableConflict } from './database-errors.js';

export interface RetryOptions {
  /** Tries in all (default 5), the first included. */
  attempts?: number;
  /** Base of the backoff in ms (default 10): try n waits a random time up to base · 2^n (full jitter). */
  baseDelayMs?: number;
  /** Where the wait comes from (tests). */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const DEFAULTS = { attempts: 5, baseDelayMs: 10 } as const;
const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs a whole transaction (`unitOfWork` opens, runs and ends it) again when the database
 * aborted it for a deadlock (40P01) or a serialization failure (40001), a bounded number of
 * times with a jittered backoff, so the transactions that collided do not collide again at
 * once. Any other failure passes through at once. When every try was aborted, an
 * UnavailableError (retry later) with the last abort as `cause`.
 */
export async function retryingConflicts<T>(unitOfWork: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? DEFAULTS.attempts);
  const base = options.baseDelayMs ?? DEFAULTS.baseDelayMs;
  const sleep = options.sleep ?? wait;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await unitOfWork();
    } catch (error) {
      if (!isRetryableConflict(error)) throw error;
      if (attempt >= attempts) throw new UnavailableError(BUSY_MESSAGE, { cause: error });
      await sleep(Math.floor(random() * base * 2 ** attempt));
    }
  }
}
