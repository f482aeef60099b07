import { resolve } from 'node:path';
import { loadConfig } from '@pipewright/server';

describe('loadConfig', () => {
  it('has documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8080,
      databaseUrl: undefined,
      dataDir: resolve('./data'),
      adminEmail: 'admin@pipewright.local',
      adminPassword: undefined,
      defaultOrg: 'default',
      schedulerEnabled: true,
      tokenTtlSeconds: 86_400,
      minScheduleIntervalSeconds: 60,
      heapGrowingPercent: 50,
    });
  });

  it('reads every variable and rejects bad values clearly', () => {
    const c = loadConfig({
      PORT: '9000',
      DATABASE_URL: 'postgres://x/y',
      PIPEWRIGHT_SCHEDULER: 'off',
      PIPEWRIGHT_TOKEN_TTL_SECONDS: '0',
    });
    expect(c.port).toBe(9000);
    expect(c.databaseUrl).toBe('postgres://x/y');
    expect(c.schedulerEnabled).toBe(false);
    expect(c.tokenTtlSeconds).toBeNull();
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow('PORT must be an integer');
    expect(() => loadConfig({ PIPEWRIGHT_SCHEDULER: 'maybe' })).toThrow('PIPEWRIGHT_SCHEDULER must be on or off');
    expect(loadConfig({ PIPEWRIGHT_HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent).toBe(0);
    expect(() => loadConfig({ PIPEWRIGHT_HEAP_GROWING_PERCENT: '-5' })).toThrow(
      'PIPEWRIGHT_HEAP_GROWING_PERCENT must be an integer ≥ 0',
    );
  });

  it('reads the egress policy settings (lists as given, the control-database override off by default)', () => {
    expect(loadConfig({})).toMatchObject({
      egressAllow: undefined,
      egressDeny: undefined,
      egressAllowControlDatabase: false,
    });
    const c = loadConfig({
      PIPEWRIGHT_EGRESS_ALLOW: ' loopback, 10.1.0.0/16 ',
      PIPEWRIGHT_EGRESS_DENY: 'db.internal:5432',
      PIPEWRIGHT_EGRESS_ALLOW_CONTROL_DATABASE: 'on',
    });
    expect(c).toMatchObject({
      egressAllow: 'loopback, 10.1.0.0/16',
      egressDeny: 'db.internal:5432',
      egressAllowControlDatabase: true,
    });
    expect(loadConfig({ PIPEWRIGHT_EGRESS_ALLOW: '  ' }).egressAllow).toBeUndefined();
    expect(() => loadConfig({ PIPEWRIGHT_EGRESS_ALLOW_CONTROL_DATABASE: 'sometimes' })).toThrow(
      'PIPEWRIGHT_EGRESS_ALLOW_CONTROL_DATABASE must be on or off',
    );
  });

  it('reads the run limits and the stage sandbox (on by default, 128 MB, 10 s a batch, 2 processes, runs stopped after 1 h)', () => {
    expect(loadConfig({})).toMatchObject({
      stageSandbox: true,
      stageMemoryMb: 128,
      stageBatchTimeoutMs: 10_000,
      stageWorkers: 2,
      runTimeoutMs: 3_600_000,
      orgRunConcurrency: null,
    });
    expect(loadConfig({ PIPEWRIGHT_ORG_RUN_CONCURRENCY: '3' }).orgRunConcurrency).toBe(3);
    expect(() => loadConfig({ PIPEWRIGHT_ORG_RUN_CONCURRENCY: '0' })).toThrow(
      'PIPEWRIGHT_ORG_RUN_CONCURRENCY must be an integer ≥ 1',
    );
    const c = loadConfig({
      PIPEWRIGHT_STAGE_SANDBOX: 'off',
      PIPEWRIGHT_STAGE_MEMORY_MB: '256',
      PIPEWRIGHT_STAGE_BATCH_TIMEOUT_MS: '2500',
      PIPEWRIGHT_STAGE_WORKERS: '3',
      PIPEWRIGHT_RUN_TIMEOUT_MS: '600000',
    });
    expect(c).toMatchObject({
      stageSandbox: false,
      stageMemoryMb: 256,
      stageBatchTimeoutMs: 2500,
      stageWorkers: 3,
      runTimeoutMs: 600_000,
    });
    expect(loadConfig({ PIPEWRIGHT_RUN_TIMEOUT_MS: '0' }).runTimeoutMs).toBeNull();
    expect(() => loadConfig({ PIPEWRIGHT_STAGE_SANDBOX: 'sometimes' })).toThrow(
      'PIPEWRIGHT_STAGE_SANDBOX must be on or off',
    );
    expect(() => loadConfig({ PIPEWRIGHT_STAGE_MEMORY_MB: '8' })).toThrow(
      'PIPEWRIGHT_STAGE_MEMORY_MB must be an integer ≥ 16',
    );
    expect(() => loadConfig({ PIPEWRIGHT_STAGE_BATCH_TIMEOUT_MS: '1.5' })).toThrow(
      'PIPEWRIGHT_STAGE_BATCH_TIMEOUT_MS must be an integer ≥ 100',
    );
    expect(() => loadConfig({ PIPEWRIGHT_STAGE_WORKERS: '0' })).toThrow(
      'PIPEWRIGHT_STAGE_WORKERS must be an integer ≥ 1',
    );
    expect(() => loadConfig({ PIPEWRIGHT_RUN_TIMEOUT_MS: '-1' })).toThrow(
      'PIPEWRIGHT_RUN_TIMEOUT_MS must be an integer ≥ 0',
    );
  });
});
