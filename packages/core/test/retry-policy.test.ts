import { DEFAULT_RETRY_POLICY, RetryPolicy, ValidationError } from '@pipewright/core';
import { OWNER, T0, later, pipeline, run } from './fixtures.js';

function issuesOf(work: () => unknown): string[] {
  try {
    work();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).issues.map((i) => i.field).sort();
  }
  throw new Error('expected a ValidationError');
}

describe('RetryPolicy', () => {
  it('defaults to one attempt: no retry', () => {
    const p = RetryPolicy.of({});
    expect(p.spec).toEqual(DEFAULT_RETRY_POLICY);
    expect(p.maxAttempts).toBe(1);
    expect(p.allowsAttemptAfter(1)).toBe(false);
  });

  it('allows attempts up to maxAttempts, waiting backoff × multiplier^(n−1), capped', () => {
    const p = RetryPolicy.of({ maxAttempts: 5, backoffSeconds: 2, backoffMultiplier: 3, maxBackoffSeconds: 30 });
    expect([1, 2, 3, 4, 5].map((n) => p.allowsAttemptAfter(n))).toEqual([true, true, true, true, false]);
    expect([1, 2, 3, 4].map((n) => p.delayMsAfter(n))).toEqual([2_000, 6_000, 18_000, 30_000]);
    expect(RetryPolicy.of({ maxAttempts: 3, backoffSeconds: 1, backoffMultiplier: 1.5 }).delayMsAfter(2)).toBe(1_500);
    expect(RetryPolicy.of({ maxAttempts: 3, backoffSeconds: 0 }).delayMsAfter(2)).toBe(0);
  });

  it('reports every bad field at once, named retry.<field>', () => {
    expect(
      issuesOf(() =>
        RetryPolicy.of({ maxAttempts: 0, backoffSeconds: -1, backoffMultiplier: 0.5, maxBackoffSeconds: 1.5 }),
      ),
    ).toEqual(['retry.backoffMultiplier', 'retry.backoffSeconds', 'retry.maxAttempts', 'retry.maxBackoffSeconds']);
    expect(issuesOf(() => RetryPolicy.of({ maxAttempts: 11 }))).toEqual(['retry.maxAttempts']);
    expect(issuesOf(() => RetryPolicy.of({ maxAttempts: '3' as never }))).toEqual(['retry.maxAttempts']);
    expect(issuesOf(() => RetryPolicy.of({ backoffMultiplier: Number.NaN }))).toEqual(['retry.backoffMultiplier']);
    expect(issuesOf(() => RetryPolicy.of({ backoffSeconds: 3_601 }))).toEqual(['retry.backoffSeconds']);
  });

  it('refuses a cap below the first wait rather than shortening it silently', () => {
    expect(issuesOf(() => RetryPolicy.of({ backoffSeconds: 60, maxBackoffSeconds: 30 }))).toEqual([
      'retry.maxBackoffSeconds',
    ]);
    expect(issuesOf(() => RetryPolicy.of({ backoffSeconds: 900 }))).toEqual(['retry.maxBackoffSeconds']); // over the default cap
    expect(RetryPolicy.of({ backoffSeconds: 900, maxBackoffSeconds: 900 }).delayMsAfter(3)).toBe(900_000);
  });
});

describe('Pipeline retry policy', () => {
  it('is created with the defaults, or the fields given', () => {
    expect(pipeline().retry.spec).toEqual(DEFAULT_RETRY_POLICY);
    expect(pipeline({ retry: { maxAttempts: 3 } }).toState().retry).toEqual({
      ...DEFAULT_RETRY_POLICY,
      maxAttempts: 3,
    });
  });

  it('reports a bad policy on create together with the other fields', () => {
    expect(issuesOf(() => pipeline({ name: '', retry: { maxAttempts: 0 } }))).toEqual(['name', 'retry.maxAttempts']);
  });

  it('changes by intent: given fields replace, missing ones are kept; a bad change changes nothing', () => {
    const p = pipeline({ retry: { maxAttempts: 3, backoffSeconds: 5 } });
    p.configureRetry({ backoffMultiplier: 1.5 }, OWNER, later(1000));
    expect(p.toState().retry).toEqual({
      maxAttempts: 3,
      backoffSeconds: 5,
      backoffMultiplier: 1.5,
      maxBackoffSeconds: 600,
    });
    expect(p.updatedAt).toEqual(later(1000));
    expect(issuesOf(() => p.configureRetry({ maxAttempts: 3, maxBackoffSeconds: 1 }, OWNER, later(2000)))).toEqual([
      'retry.maxBackoffSeconds',
    ]);
    expect(p.retry.spec).toEqual({ maxAttempts: 3, backoffSeconds: 5, backoffMultiplier: 1.5, maxBackoffSeconds: 600 });
    expect(p.updatedAt).toEqual(later(1000));
  });
});

describe('Run attempts', () => {
  it('starts at attempt 1; a retry goes back to PENDING, counted, with counters reset', () => {
    const r = run();
    expect(r.attempt).toBe(1);
    r.start(later(1), later(30_000), 'attempt-1');
    r.recordProgress(
      { passed: [2, 2, 2, 2, 2, 0], failed: [0, 0, 0, 0, 0, 2] },
      { total: 1, ok: 0, failed: 1 },
      later(2),
    );
    r.retry(later(3), later(33_000), 'attempt-1');
    expect(r.status).toBe('PENDING');
    expect(r.attempt).toBe(2);
    expect(r.startedAt).toBeNull();
    expect(r.stages).toEqual({ passed: [0, 0, 0, 0, 0, 0], failed: [0, 0, 0, 0, 0, 0] });
    expect(r.files).toEqual({ total: 0, ok: 0, failed: 0 });
    expect(r.leaseExpiresAt).toEqual(later(33_000));
    expect(r.error).toBeNull();
    r.start(later(4), later(30_000), 'attempt-1');
    r.retry(later(5), null, 'attempt-1');
    expect(r.attempt).toBe(3);
    expect(r.leaseExpiresAt).toBeNull();
  });

  it('retries only an executing run (a cancel asked for meanwhile wins)', () => {
    const r = run();
    expect(() => r.retry(T0, null, 'attempt-1')).toThrow(/Cannot retry a run that is PENDING/);
    r.start(later(1), later(30_000), 'attempt-1');
    r.requestCancel(OWNER, later(2));
    expect(() => r.retry(later(3), null, 'attempt-1')).toThrow(/STOPPING/);
  });

  it('keeps the attempt when an interrupted run is restarted', () => {
    const r = run();
    r.start(later(1), later(30_000), 'attempt-1');
    r.retry(later(2), null, 'attempt-1');
    r.start(later(3), later(30_000), 'attempt-1');
    r.restart(later(4));
    expect(r.attempt).toBe(2);
  });
});
