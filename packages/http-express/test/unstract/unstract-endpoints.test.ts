import { ValidationError, type Connection } from '@pipewright/core';
import { endpointCandidates, endpointChange, endpointId } from '../../src/unstract/unstract-endpoints.js';

const WF = '3f2b8c1e-9d4a-4b7e-8c21-5a6f0e9d1b23';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const conn = (id: string, kind: string) => ({ id, kind }) as unknown as Connection;

describe('workflow endpoint ids', () => {
  it('are stable, distinct per type, keep the UUID version and variant, and map back to the workflow', () => {
    const source = endpointId(WF, 'SOURCE');
    const destination = endpointId(WF, 'DESTINATION');
    expect(endpointId(WF, 'SOURCE')).toBe(source);
    expect(endpointId(WF.toUpperCase(), 'SOURCE')).toBe(source);
    expect(new Set([WF, source, destination]).size).toBe(3);
    expect(source).toMatch(UUID_V4);
    expect(destination).toMatch(UUID_V4);
    expect(endpointCandidates(source)).toContainEqual({ workflowId: WF, type: 'SOURCE' });
    expect(endpointCandidates(destination)).toContainEqual({ workflowId: WF, type: 'DESTINATION' });
  });
});

describe('endpoint writes', () => {
  const pg = conn('11111111-1111-4111-8111-111111111111', 'postgres');
  const fs = conn('22222222-2222-4222-8222-222222222222', 'filesystem');

  it('a connector instance picks the connector of its kind; configuration is kept while the connector stays', () => {
    expect(endpointChange('source', null, null, { connection: pg, configuration: { table: 't' } })).toEqual({
      connector: 'postgres',
      connection: pg.id,
      settings: { table: 't' },
    });
    const current = { connector: 'postgres', connection: pg.id, settings: { table: 't' } };
    expect(endpointChange('source', current, pg, { connection: pg })).toEqual(current);
    expect(endpointChange('source', current, pg, { connection: fs })).toEqual({
      connector: 'filesystem',
      connection: fs.id,
      settings: {},
    });
    expect(() => endpointChange('source', null, null, { connection: pg, connectionType: 'FILESYSTEM' })).toThrow(
      ValidationError,
    );
  });

  it('a connection type alone picks its default connector; "" clears the endpoint', () => {
    expect(endpointChange('source', null, null, { connectionType: 'API' })).toEqual({
      connector: 'upload',
      connection: null,
      settings: {},
    });
    expect(endpointChange('destination', null, null, { connectionType: 'API' })).toEqual({
      connector: 'webhook',
      connection: null,
      settings: {},
    });
    expect(endpointChange('destination', null, null, { connectionType: 'DATABASE' })).toMatchObject({
      connector: 'postgres',
    });
    const current = { connector: 'postgres', connection: pg.id, settings: { table: 't' } };
    expect(endpointChange('source', current, pg, { connectionType: 'DATABASE' })).toEqual(current);
    expect(endpointChange('source', current, pg, { connectionType: '' })).toBeNull();
    expect(endpointChange('source', current, pg, { connection: null })).toEqual({ ...current, connection: null });
    expect(() => endpointChange('source', null, null, { connectionType: 'MANUALREVIEW' })).toThrow(ValidationError);
    expect(() => endpointChange('source', null, null, { configuration: { a: 1 } })).toThrow(ValidationError);
  });
});
