import { loadConfig } from '@pipewright/server';

describe('PIPEWRIGHT_ROLES and the executor', () => {
  it('defaults to every role in one process with the in-process executor (as before)', () => {
    expect(loadConfig({})).toMatchObject({ roles: ['api', 'scheduler', 'worker'], executor: 'in-process' });
  });

  it('hands runs to the queue when the process is not a worker, or only a worker', () => {
    expect(loadConfig({ PIPEWRIGHT_ROLES: 'api' })).toMatchObject({ roles: ['api'], executor: 'queue' });
    expect(loadConfig({ PIPEWRIGHT_ROLES: 'api, scheduler' })).toMatchObject({
      roles: ['api', 'scheduler'],
      executor: 'queue',
    });
    expect(loadConfig({ PIPEWRIGHT_ROLES: 'worker' })).toMatchObject({ roles: ['worker'], executor: 'queue' });
    expect(loadConfig({ PIPEWRIGHT_ROLES: 'api,scheduler,worker', PIPEWRIGHT_EXECUTOR: 'queue' })).toMatchObject({
      executor: 'queue',
    });
  });

  it('rejects unknown roles and executors', () => {
    expect(() => loadConfig({ PIPEWRIGHT_ROLES: 'api,web' })).toThrow(
      'PIPEWRIGHT_ROLES must list api, scheduler and/or worker',
    );
    expect(() => loadConfig({ PIPEWRIGHT_EXECUTOR: 'redis' })).toThrow(
      'PIPEWRIGHT_EXECUTOR must be in-process or queue',
    );
  });
});
