import { FRIEND, later, run } from './fixtures.js';

/** `updatedAt` is ZenML's `updated`: lists sorted by it must not reshuffle while runs execute. */
describe('Run updatedAt', () => {
  it('moves on state changes, not on lease renewals or progress', () => {
    const r = run();
    r.start(later(1), later(30_000), 'attempt-1');
    expect(r.updatedAt).toEqual(later(1));
    r.heartbeat(later(2), later(35_000), 'attempt-1');
    r.recordProgress(
      { passed: [1, 1, 1, 1, 1, 1], failed: [0, 0, 0, 0, 0, 0] },
      { total: 0, ok: 0, failed: 0 },
      later(3),
    );
    expect(r.updatedAt).toEqual(later(1));
    expect(r.leaseExpiresAt).toEqual(later(35_000));
    expect(r.stages.passed).toEqual([1, 1, 1, 1, 1, 1]);
    r.requestCancel(FRIEND, later(4));
    expect(r.updatedAt).toEqual(later(4));
  });
});
