import { startTestServer, type TestServer } from '../support/test-server.js';
import { createPipeline, expectEmpty, expectError, insertRun, statusAndCode, uniqueName } from './meergo-support.js';

// PUT /v1/warehouse/mode: the organization's mode, for its admins.
describe('meergo warehouse mode', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const modeOf = async (orgId: string) => (await server.core.auth.findOrganization({ id: orgId }))!.mode;

  it('sets Normal, Inspection or Maintenance (empty body on success)', async () => {
    const org = await server.organization(uniqueName('wh').toLowerCase());
    for (const [mode, stored] of [
      ['Inspection', 'inspection'],
      ['Maintenance', 'maintenance'],
      ['Normal', 'normal'],
    ] as const) {
      await expectEmpty(
        await server.fetch('/v1/warehouse/mode', { method: 'PUT', auth: org.admin.apiKey, json: { mode } }),
      );
      expect(await modeOf(org.id)).toBe(stored);
    }
  });

  it('works with an access token and Meergo-Workspace', async () => {
    const org = await server.organization(uniqueName('wh').toLowerCase());
    const res = await server.fetch('/v1/warehouse/mode', {
      method: 'PUT',
      auth: org.admin.token,
      headers: { 'meergo-workspace': String(org.seq) },
      json: { mode: 'Inspection' },
    });
    await expectEmpty(res);
    expect(await modeOf(org.id)).toBe('inspection');
    await expectError(
      await server.fetch('/v1/warehouse/mode', { method: 'PUT', auth: org.admin.token, json: { mode: 'Normal' } }),
      403,
      'Forbidden',
      "Meergo-Workspace header is missing; provide it in the format 'Meergo-Workspace: <WORKSPACE_ID>'",
    );
  });

  it('400 for another mode; 403 for a member who is not an admin', async () => {
    for (const mode of ['normal', 'Readonly', 1, null]) {
      await expectError(
        await server.fetch('/v1/warehouse/mode', { method: 'PUT', auth: server.admin.apiKey, json: { mode } }),
        400,
        'BadRequest',
        'mode must be "Normal", "Inspection" or "Maintenance"',
      );
    }
    const member = await server.user();
    const res = await server.fetch('/v1/warehouse/mode', {
      method: 'PUT',
      auth: member.apiKey,
      json: { mode: 'Inspection' },
    });
    expect(await statusAndCode(res)).toEqual([403, 'Forbidden']);
    expect(await modeOf(server.org.id)).toBe('normal');
  });

  it('cancels the runs in progress with cancelIncompatibleOperations', async () => {
    const org = await server.organization(uniqueName('wh').toLowerCase());
    const p = await createPipeline(server, org.admin);
    const run = await insertRun(server, {
      orgId: org.id,
      pipelineId: p.uuid,
      workflowId: p.workflow,
      status: 'PENDING',
    });
    await expectEmpty(
      await server.fetch('/v1/warehouse/mode', {
        method: 'PUT',
        auth: org.admin.apiKey,
        json: { mode: 'Maintenance', cancelIncompatibleOperations: true },
      }),
    );
    const after = await server.core.runs.get(org.admin.actor, run.id);
    expect([after.status, after.error]).toEqual(['STOPPED', 'run has been canceled']);
  });
});
