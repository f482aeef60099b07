import { CANCELLED, INTERRUPTED, InvalidStateError, Run } from '@pipewright/core';
import { FRIEND, later, run } from './fixtures.js';

const counters = () => ({ passed: [3, 3, 2, 2, 2, 2], failed: [0, 0, 1, 0, 0, 0] });
const files = { total: 1, ok: 1, failed: 0 };

describe('Run status machine', () => {
  it('goes PENDING → EXECUTING → COMPLETED with counters', () => {
    const r = run();
    expect(r.status).toBe('PENDING');
    expect(r.isOpen).toBe(true);
    r.start(later(1), later(30_000), 'attempt-1');
    expect(r.status).toBe('EXECUTING');
    expect(r.leaseExpiresAt).toEqual(later(30_000));
    r.complete(later(5), counters(), files);
    expect(r.status).toBe('COMPLETED');
    expect(r.isTerminal).toBe(true);
    expect(r.stages).toEqual(counters());
    expect(r.endedAt).toEqual(later(5));
    expect(r.leaseExpiresAt).toBeNull();
  });

  it('cancels a pending run at once and an executing one in two phases', () => {
    const pending = run();
    pending.requestCancel(FRIEND, later(1));
    expect(pending.status).toBe('STOPPED');
    expect(pending.cancelledBy).toBe(FRIEND);
    expect(pending.error).toBe(CANCELLED);

    const executing = run();
    executing.start(later(1), later(10), 'attempt-1');
    executing.requestCancel(FRIEND, later(2));
    expect(executing.status).toBe('STOPPING');
    executing.requestCancel(FRIEND, later(3)); // no-op
    executing.markStopped(later(4), counters());
    expect(executing.status).toBe('STOPPED');
    expect(executing.cancelledBy).toBe(FRIEND);
  });

  it('refuses transitions out of terminal states', () => {
    const r = run();
    r.start(later(1), later(10), 'attempt-1');
    r.fail('boom', later(2));
    expect(() => r.complete(later(3))).toThrow(InvalidStateError);
    expect(() => r.requestCancel(FRIEND, later(3))).toThrow(InvalidStateError);
    expect(() => r.start(later(3), later(10), 'attempt-1')).toThrow(InvalidStateError);
    expect(() => r.heartbeat(later(3), later(10), 'attempt-1')).toThrow(InvalidStateError);
  });

  it('ends an interrupted run as ERROR "interrupted", a stopping one as STOPPED', () => {
    const r = run();
    r.start(later(1), later(10), 'attempt-1');
    r.interrupt(later(20));
    expect(r.status).toBe('ERROR');
    expect(r.error).toBe(INTERRUPTED);
    const s = run();
    s.start(later(1), later(10), 'attempt-1');
    s.requestCancel(null, later(2));
    s.interrupt(later(20));
    expect(s.status).toBe('STOPPED');
  });

  it('restarts from scratch with counters reset', () => {
    const r = run();
    r.start(later(1), later(10), 'attempt-1');
    r.recordProgress(counters(), files, later(2));
    r.restart(later(3));
    expect(r.status).toBe('PENDING');
    expect(r.stages.passed).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('requires one counter per stage', () => {
    const r = run();
    r.start(later(1), later(10), 'attempt-1');
    expect(() => r.recordProgress({ passed: [1], failed: [0] }, files, later(2))).toThrow(InvalidStateError);
  });

  it('links pipelines without duplicates and restores as a copy', () => {
    const r = run();
    r.linkPipelines(['a', 'b', 'a'], later(1));
    expect(r.linkedPipelineIds).toEqual(['a', 'b']);
    const copy = Run.restore(r.toState());
    copy.linkPipelines([], later(2));
    expect(r.linkedPipelineIds).toEqual(['a', 'b']);
  });
});
