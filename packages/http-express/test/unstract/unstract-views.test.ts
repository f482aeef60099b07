import { Run, emptyCounters, type RunState } from '@pipewright/core';
import { connectorSettingsSchema } from '../../src/unstract/unstract-schema.js';
import { executionStatus, lastRunStatus, runSummary } from '../../src/unstract/unstract-views.js';

function run(patch: Partial<RunState>): Run {
  const created = Run.create({
    id: 'r1',
    seq: 1,
    orgId: 'o',
    pipelineId: 'p',
    workflowId: 'w',
    trigger: 'manual',
    triggeredBy: 'u',
    now: new Date('2026-01-01T00:00:00Z'),
  });
  return Run.restore({ ...created.toState(), ...patch });
}

describe('unstract status vocabulary', () => {
  it('names the last run status as Unstract does', () => {
    expect(lastRunStatus(null)).toBe('YET_TO_START');
    expect(lastRunStatus('PENDING')).toBe('INPROGRESS');
    expect(lastRunStatus('EXECUTING')).toBe('INPROGRESS');
    expect(lastRunStatus('STOPPING')).toBe('INPROGRESS');
    expect(lastRunStatus('COMPLETED')).toBe('SUCCESS');
    expect(lastRunStatus('ERROR')).toBe('FAILURE');
    expect(lastRunStatus('STOPPED')).toBe('FAILURE');
  });

  it('has no STOPPING execution status (the run is still executing)', () => {
    expect(executionStatus('STOPPING')).toBe('EXECUTING');
    expect(executionStatus('PENDING')).toBe('PENDING');
  });

  it('shows a completed run with failed and successful files as PARTIAL_SUCCESS', () => {
    const files = { total: 3, ok: 2, failed: 1 };
    expect(runSummary(run({ status: 'COMPLETED', files }))).toEqual({
      execution_id: 'r1',
      status: 'PARTIAL_SUCCESS',
      timestamp: '2026-01-01T00:00:00.000Z',
      successful_files: 2,
      failed_files: 1,
    });
    expect(runSummary(run({ status: 'COMPLETED', files: { total: 2, ok: 2, failed: 0 } })).status).toBe('COMPLETED');
    expect(runSummary(run({ status: 'ERROR', files, stages: emptyCounters() })).status).toBe('ERROR');
  });
});

describe('workflow/schema/', () => {
  const connectors = [
    {
      name: 'filesystem',
      kind: 'source' as const,
      description: 'Files under the root',
      settingsSchema: { type: 'object', properties: { path: { type: 'string' } } },
    },
    { name: 'postgres', kind: 'destination' as const, settingsSchema: { type: 'object' } },
  ];

  it('has one branch per connector of the kind asked for', () => {
    expect(connectorSettingsSchema('src', undefined, connectors)).toMatchObject({
      title: 'Source settings',
      properties: { connector: { type: 'string', enum: ['filesystem'] } },
      oneOf: [
        {
          title: 'filesystem',
          description: 'Files under the root',
          properties: { connector: { const: 'filesystem' }, settings: connectors[0]!.settingsSchema },
        },
      ],
    });
    expect(connectorSettingsSchema('dest', 'db', connectors).oneOf).toHaveLength(1);
    expect(connectorSettingsSchema('dest', undefined, []).oneOf).toBeUndefined();
  });

  it('rejects an unknown type or entity', () => {
    expect(() => connectorSettingsSchema('up', undefined, [])).toThrow('"up" is not a valid choice.');
    expect(() => connectorSettingsSchema('src', 'ftp', [])).toThrow('"ftp" is not a valid choice.');
  });
});
