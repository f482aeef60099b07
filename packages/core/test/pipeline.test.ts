import {
  CannotRunIncrementallyError,
  PipelineDisabledError,
  Pipeline,
  Schedule,
  ValidationError,
} from '@pipewright/core';
import { FRIEND, OWNER, T0, later, pipeline } from './fixtures.js';

describe('Pipeline', () => {
  it('is created enabled, unscheduled, of type DEFAULT, owned by its creator', () => {
    const p = pipeline();
    expect(p.enabled).toBe(true);
    expect(p.schedule).toBeNull();
    expect(p.isScheduled).toBe(false);
    expect(p.type).toBe('DEFAULT');
    expect(p.ownerId).toBe(OWNER);
    expect(p.runCount).toBe(0);
    expect(p.lastRun).toBeNull();
  });

  it('validates name, type, seq and column on create, reporting every field', () => {
    try {
      Pipeline.create({
        id: 'x',
        seq: 0,
        orgId: 'o',
        name: '',
        type: 'NOPE' as never,
        workflowId: 'w',
        ownerId: 'u',
        updatedAtColumn: 'bad column',
        now: T0,
      });
      throw new Error('expected ValidationError');
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).issues.map((i) => i.field).sort()).toEqual([
        'name',
        'seq',
        'type',
        'updatedAtColumn',
      ]);
    }
    expect(() => pipeline({ name: 'x'.repeat(256) })).toThrow(ValidationError);
  });

  it('enables and disables, recording who and when', () => {
    const p = pipeline();
    p.disable(FRIEND, later(1000));
    expect(p.enabled).toBe(false);
    expect(p.toState().modifiedBy).toBe(FRIEND);
    expect(p.updatedAt).toEqual(later(1000));
    p.enable(OWNER, later(2000));
    expect(p.enabled).toBe(true);
  });

  it('is scheduled only while enabled and given a schedule', () => {
    const p = pipeline();
    p.reschedule(Schedule.period('1h'), OWNER, T0);
    expect(p.isScheduled).toBe(true);
    expect(p.schedule?.period).toBe('1h');
    p.disable(OWNER, T0);
    expect(p.isScheduled).toBe(false);
    p.enable(OWNER, T0);
    p.reschedule(null, OWNER, T0);
    expect(p.isScheduled).toBe(false);
  });

  it('checks whether a run may start, in Meergo order', () => {
    const p = pipeline();
    expect(p.assertCanRun(undefined)).toBe(false);
    expect(() => p.assertCanRun(true)).toThrow(CannotRunIncrementallyError);
    p.disable(OWNER, T0);
    expect(() => p.assertCanRun(true)).toThrow(CannotRunIncrementallyError);
    expect(() => p.assertCanRun(false)).toThrow(PipelineDisabledError);
    p.enable(OWNER, T0);
    p.configureIncremental(true, 'updated_at', OWNER, T0);
    expect(p.assertCanRun(null)).toBe(true);
    expect(p.assertCanRun(false)).toBe(false);
  });

  it('keeps the owner out of the shared list and de-duplicates', () => {
    const p = pipeline();
    p.share([FRIEND, FRIEND, OWNER], true, OWNER, T0);
    expect(p.sharedUserIds).toEqual([FRIEND]);
    expect(p.sharedToOrg).toBe(true);
  });

  it('adds tags once, skips removing unknown ones, refuses exclusive tags', () => {
    const p = pipeline();
    p.addTag({ id: 't1', name: 'prod', exclusive: false }, OWNER, T0);
    p.addTag({ id: 't1', name: 'prod', exclusive: false }, OWNER, T0);
    expect(p.tagIds).toEqual(['t1']);
    p.removeTag('t2', OWNER, T0);
    expect(p.tagIds).toEqual(['t1']);
    expect(() => p.addTag({ id: 't3', name: 'pin', exclusive: true }, OWNER, T0)).toThrow(/exclusive tag/);
    p.removeTag('t1', OWNER, T0);
    expect(p.tagIds).toEqual([]);
  });

  it('counts runs and remembers the latest one, keeping a newer run on late finishes', () => {
    const p = pipeline();
    expect(p.recordRunStarted({ id: 'r1', status: 'PENDING', createdAt: later(1) })).toBe(1);
    expect(p.recordRunStarted({ id: 'r2', status: 'PENDING', createdAt: later(2) })).toBe(2);
    p.recordRunFinished({ id: 'r1', status: 'COMPLETED', createdAt: later(1) }, '2026-01-01T00:00:00Z');
    expect(p.lastRun).toEqual({ id: 'r2', at: later(2), status: 'PENDING' });
    expect(p.cursor).toBe('2026-01-01T00:00:00Z');
    p.recordRunFinished({ id: 'r2', status: 'ERROR', createdAt: later(2) });
    expect(p.lastRun?.status).toBe('ERROR');
    expect(p.cursor).toBe('2026-01-01T00:00:00Z');
  });

  it('restores from state as an independent copy', () => {
    const p = pipeline();
    const state = p.toState();
    const copy = Pipeline.restore(state);
    copy.rename('other', OWNER, T0);
    expect(p.name).toBe('nightly');
    expect(state.name).toBe('nightly');
  });
});
