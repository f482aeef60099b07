import { Schedule, ValidationError } from '@pipewright/core';

describe('Schedule', () => {
  it('computes the next cron fire in UTC', () => {
    const s = Schedule.cron('*/15 * * * *');
    expect(s.nextFireAfter(new Date('2026-01-01T10:07:00Z'))?.toISOString()).toBe('2026-01-01T10:15:00.000Z');
  });

  it('rejects a bad expression with a field error', () => {
    expect(() => Schedule.cron('61 * * * *')).toThrow(ValidationError);
  });
});
