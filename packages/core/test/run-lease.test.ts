import { emptyCounters, LeaseLostError, Run } from '@pipewright/core';
import { later, run } from './fixtures.js';

const nothing = () => ({ stages: emptyCounters(), files: { total: 0, ok: 0, failed: 0 } });

/** A run whose first attempt (held by `stale`) was restarted and began again under `current`. */
function takenOver(): Run {
  const r = run();
  r.start(later(1), later(10), 'stale');
  r.restart(later(20));
  r.start(later(21), later(60), 'current');
  return r;
}

describe('Run lease holder', () => {
  it('is set by start and cleared when the attempt ends, retries or restarts', () => {
    const r = run();
    expect(r.leaseHolder).toBeNull();
    r.start(later(1), later(10), 'a1');
    expect(r.leaseHolder).toBe('a1');
    r.retry(later(2), null, 'a1');
    expect(r.leaseHolder).toBeNull();
    r.start(later(3), later(10), 'a2');
    r.endAttempt('a2', { status: 'COMPLETED', ...nothing() }, later(4));
    expect(r).toMatchObject({ status: 'COMPLETED', leaseHolder: null });
  });

  it("refuses a stale holder's heartbeat, finish and retry with LeaseLostError, leaving the run as it was", () => {
    const r = takenOver();
    const before = r.toState();
    expect(() => r.heartbeat(later(22), later(90), 'stale')).toThrow(LeaseLostError);
    expect(() => r.endAttempt('stale', { status: 'COMPLETED', ...nothing() }, later(22))).toThrow(LeaseLostError);
    expect(() => r.endAttempt('stale', { status: 'ERROR', error: 'boom', ...nothing() }, later(22))).toThrow(
      LeaseLostError,
    );
    expect(() => r.retry(later(22), null, 'stale')).toThrow(LeaseLostError);
    expect(r.toState()).toEqual(before);
  });

  it('refuses an executor without a holder (a queued lease) on a run that an attempt holds', () => {
    const r = takenOver();
    expect(() => r.heartbeat(later(22), later(90), null)).toThrow(LeaseLostError);
    expect(() => r.endAttempt(null, { status: 'ERROR', error: 'could not start', ...nothing() }, later(22))).toThrow(
      LeaseLostError,
    );
  });

  it('refuses a holder on a run sent back to PENDING: the next attempt takes a new one', () => {
    const r = run();
    r.start(later(1), later(10), 'a1');
    r.retry(later(2), later(30), 'a1');
    expect(() => r.heartbeat(later(3), later(40), 'a1')).toThrow(LeaseLostError);
    r.heartbeat(later(3), later(40), null); // the process waiting with it renews its lease
    expect(r.leaseExpiresAt).toEqual(later(40));
    // A PENDING run that could not start ends without a holder.
    r.endAttempt(null, { status: 'ERROR', error: 'could not start', ...nothing() }, later(4));
    expect(r.status).toBe('ERROR');
  });

  it("accepts the current holder's heartbeat and end; COMPLETED of a run asked to stop ends STOPPED", () => {
    const r = takenOver();
    r.heartbeat(later(22), later(90), 'current');
    expect(r.leaseExpiresAt).toEqual(later(90));
    r.requestCancel(null, later(23));
    r.heartbeat(later(24), later(95), 'current');
    r.endAttempt('current', { status: 'COMPLETED', ...nothing() }, later(25));
    expect(r).toMatchObject({ status: 'STOPPED', leaseHolder: null });
  });

  it('carries the run and the refused holder on the error', () => {
    const r = takenOver();
    try {
      r.retry(later(22), null, 'stale');
      throw new Error('not refused');
    } catch (e) {
      expect(e).toBeInstanceOf(LeaseLostError);
      expect(e).toMatchObject({ code: 'INVALID_STATE', runId: r.id, holder: 'stale' });
    }
  });
});
