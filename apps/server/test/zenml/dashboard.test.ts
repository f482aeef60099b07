import type { Pipeline } from '@pipewright/core';
import { startTestServer, type TestServer, type TestUser } from '../support/test-server.js';
import { at, call, fixtureWorkflow, get, seedPipeline, seedRun } from './zenml-support.js';

/**
 * What ZenML's dashboard calls beyond the pipeline pages: the onboarding survey (PUT
 * /current-user), user admin, run details (pipeline, Stop, logs, DAG, delete), run and
 * user filters, API tokens, and the pages of concepts Pipewright does not have.
 */
describe('zenml: dashboard', () => {
  let server: TestServer;
  let admin: TestUser;
  let member: TestUser;
  let workflowId: string;
  let pipeline: Pipeline;

  beforeAll(async () => {
    server = await startTestServer();
    const org = await server.organization('zd');
    admin = org.admin;
    member = await server.user({ orgSlug: 'zd', email: 'member@zd.test' });
    workflowId = await fixtureWorkflow(server, admin);
    pipeline = await seedPipeline(server, {
      owner: admin.actor,
      workflowId,
      name: 'nightly',
      createdAt: at('2024-06-01T00:00:00Z'),
    });
  });
  afterAll(async () => {
    await server.close();
  });

  describe('users', () => {
    it('PUT /current-user saves the survey: full name, email_opted_in, user_metadata merged', async () => {
      const first = await call(server, '/api/v1/current-user', {
        method: 'PUT',
        auth: member.token,
        json: {
          full_name: 'Mia Member',
          email: member.email,
          email_opted_in: true,
          user_metadata: { awareness_channels: ['Friend'], primary_use: 'etl' },
        },
      });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({
        id: member.id,
        name: member.email,
        body: { full_name: 'Mia Member', email_opted_in: true, is_admin: false },
        metadata: { email: member.email, user_metadata: { awareness_channels: ['Friend'], primary_use: 'etl' } },
      });
      await call(server, '/api/v1/current-user', {
        method: 'PUT',
        auth: member.token,
        json: { user_metadata: { overview_tour_done: true, primary_use: 'ml' } },
      });
      const read = await get(server, '/api/v1/current-user', member.token);
      expect(read.body).toMatchObject({ full_name: 'Mia Member', email_opted_in: true });
      expect(read.metadata.user_metadata).toEqual({
        awareness_channels: ['Friend'],
        primary_use: 'ml',
        overview_tour_done: true,
      });
    });

    it('refuses, never drops, what it can not change: the login, a password, one’s own admin status', async () => {
      const login = await call(server, '/api/v1/current-user', {
        method: 'PUT',
        auth: member.token,
        json: { email: 'other@zd.test' },
      });
      expect(login.status).toBe(400);
      expect(login.body.detail[0]).toBe('ValueError');
      expect(
        (
          await call(server, '/api/v1/current-user', {
            method: 'PUT',
            auth: member.token,
            json: { password: 'new-password-1' },
          })
        ).status,
      ).toBe(400);
      const promote = await call(server, '/api/v1/current-user', {
        method: 'PUT',
        auth: member.token,
        json: { is_admin: true },
      });
      expect(promote.status).toBe(403);
      expect(promote.body.detail).toEqual(['IllegalOperationError', 'Users can not change their own admin status.']);
      const bad = await call(server, '/api/v1/current-user', {
        method: 'PUT',
        auth: member.token,
        json: { user_metadata: 'x' },
      });
      expect(bad.status).toBe(422);
    });

    it('PUT /users/{id}: an admin updates a member and their role; a member may not update another', async () => {
      const other = await server.user({ orgSlug: 'zd', email: 'other-member@zd.test' });
      const res = await call(server, `/api/v1/users/${other.id}`, {
        method: 'PUT',
        auth: admin.token,
        json: { full_name: 'Otto', is_admin: true },
      });
      expect(res.status).toBe(200);
      expect(res.body.body).toMatchObject({ full_name: 'Otto', is_admin: true });
      expect((await get(server, `/api/v1/users/${other.email}`, admin.token)).body.is_admin).toBe(true);
      const denied = await call(server, `/api/v1/users/${admin.id}`, {
        method: 'PUT',
        auth: member.token,
        json: { full_name: 'Hacked' },
      });
      expect(denied.status).toBe(403);
      expect(
        (
          await call(server, '/api/v1/users/7d0f1c55-0d7a-4a51-a9d1-2f8f6e9d2c10', {
            method: 'PUT',
            auth: admin.token,
            json: {},
          })
        ).status,
      ).toBe(404);
    });

    it('POST /users creates a member for server admins only; 409 for a taken email', async () => {
      const created = await call(server, '/api/v1/users', {
        method: 'POST',
        auth: server.admin.token,
        json: {
          name: 'new.user@zd.test',
          full_name: 'New User',
          password: 'a-long-password',
          email_opted_in: true,
          user_metadata: { team: 'data' },
        },
      });
      expect(created.status).toBe(200);
      expect(created.body).toMatchObject({
        name: 'new.user@zd.test',
        body: { full_name: 'New User', email_opted_in: true, is_admin: false },
        metadata: { user_metadata: { team: 'data' } },
      });
      expect(
        (
          await call(server, '/api/v1/users', {
            method: 'POST',
            auth: server.admin.token,
            json: { name: 'new.user@zd.test' },
          })
        ).status,
      ).toBe(409);
      // An organization admin invites instead: a 409 here would tell them the email has an account elsewhere.
      expect(
        (await call(server, '/api/v1/users', { method: 'POST', auth: admin.token, json: { name: 'new.user@zd.test' } }))
          .status,
      ).toBe(403);
      expect(
        (await call(server, '/api/v1/users', { method: 'POST', auth: member.token, json: { name: 'x@zd.test' } }))
          .status,
      ).toBe(403);
    });

    it('filters users by name (the login), full_name, is_admin; an unknown filter is a 422 naming it', async () => {
      const byName = await get(server, '/api/v1/users?name=startswith:member@', admin.token);
      expect(byName.items.map((u: { name: string }) => u.name)).toEqual([member.email]);
      const admins = await get(server, '/api/v1/users?is_admin=true', admin.token);
      expect(admins.items.every((u: { body: { is_admin: boolean } }) => u.body.is_admin)).toBe(true);
      expect(admins.items.map((u: { id: string }) => u.id)).toContain(admin.id);
      const byFullName = await get(server, '/api/v1/users?full_name=Mia Member', admin.token);
      expect(byFullName.items.map((u: { id: string }) => u.id)).toEqual([member.id]);
      const unknown = await call(server, '/api/v1/users?external_user_id=abc', { auth: admin.token });
      expect(unknown.status).toBe(422);
      expect(unknown.body.detail[0]).toBe('ValueError');
      expect(unknown.body.detail[1]).toContain('external_user_id');
    });
  });

  describe('runs', () => {
    it('shows the pipeline, an orchestrator run id (so Stop is enabled) and the log collection', async () => {
      const running = await seedPipeline(server, {
        owner: admin.actor,
        workflowId,
        name: 'running',
        createdAt: at('2024-06-01T00:00:00Z'),
      });
      const run = await seedRun(server, {
        pipelineId: running.id,
        status: 'EXECUTING',
        at: at('2024-06-02T00:00:00Z'),
        by: admin.id,
      });
      const got = await get(server, `/api/v1/runs/${run.id}`, admin.token);
      expect(got.metadata.orchestrator_run_id).toBe(run.id);
      expect(got.resources.pipeline).toMatchObject({
        id: running.id,
        name: 'running',
        body: { project_id: running.orgId },
        metadata: null,
      });
      expect(got.resources.log_collection).toEqual([
        expect.objectContaining({ id: run.id, body: expect.objectContaining({ source: 'orchestrator' }) }),
      ]);
      await server.core.runs.cancel(admin.actor, run.id);
    });

    it('serves the run log as ZenML log entries, with Python levels', async () => {
      const run = await seedRun(server, {
        pipelineId: pipeline.id,
        status: 'COMPLETED',
        at: at('2024-06-03T00:00:00Z'),
      });
      await server.built.storage.runLogs.append([
        {
          id: '00000000-0000-4000-8000-000000000001',
          runId: run.id,
          level: 'INFO',
          stage: 'Receive',
          message: 'read 3 records',
          fileExecutionId: null,
          time: at('2024-06-03T00:00:00.100Z'),
        },
        {
          id: '00000000-0000-4000-8000-000000000002',
          runId: run.id,
          level: 'ERROR',
          stage: 'Transformation',
          message: 'bad row',
          fileExecutionId: null,
          time: at('2024-06-03T00:00:00.200Z'),
        },
      ]);
      const logs = await get(server, `/api/v1/runs/${run.id}/logs?source=orchestrator`, admin.token);
      expect(logs).toEqual([
        expect.objectContaining({
          message: 'read 3 records',
          name: 'Receive',
          level: 20,
          timestamp: '2024-06-03T00:00:00.100Z',
        }),
        expect.objectContaining({ message: 'bad row', name: 'Transformation', level: 40 }),
      ]);
      expect((await get(server, `/api/v1/runs/${run.id}/logs?logs_id=${run.id}`, admin.token)).length).toBe(2);
      const missing = await call(server, `/api/v1/runs/${run.id}/logs`, { auth: admin.token });
      expect(missing.status).toBe(400);
      expect(missing.body.detail).toEqual(['ValueError', 'Either source or logs_id must be provided.']);
      const otherSource = await call(server, `/api/v1/runs/${run.id}/logs?source=step`, { auth: admin.token });
      expect(otherSource.status).toBe(404);
      expect(otherSource.body.detail[0]).toBe('KeyError');
    });

    it('answers a DAG of the six stages with status and passed/failed counts', async () => {
      const run = await seedRun(server, {
        pipelineId: pipeline.id,
        status: 'COMPLETED',
        at: at('2024-06-04T00:00:00Z'),
      });
      const dag = await get(server, `/api/v1/runs/${run.id}/dag`, admin.token);
      expect(dag.id).toBe(run.id);
      expect(dag.status).toBe('completed');
      expect(dag.nodes.map((n: { name: string }) => n.name)).toEqual([
        'Receive',
        'InputValidation',
        'Filter',
        'Transformation',
        'OutputValidation',
        'Finalize',
      ]);
      expect(dag.nodes[0]).toMatchObject({
        node_id: 'step/Receive',
        type: 'step',
        metadata: { status: 'completed', passed: 0, failed: 0 },
      });
      expect(dag.edges[0]).toMatchObject({ source: 'step/Receive', target: 'step/InputValidation' });
      expect(dag.edges).toHaveLength(5);
    });

    it('DELETE /runs/{id} deletes an ended run (null); an open one is refused until stopped', async () => {
      const done = await seedRun(server, {
        pipelineId: pipeline.id,
        status: 'COMPLETED',
        at: at('2024-06-05T00:00:00Z'),
      });
      const del = await call(server, `/api/v1/runs/${done.id}`, { method: 'DELETE', auth: admin.token });
      expect(del).toMatchObject({ status: 200, body: null });
      expect((await call(server, `/api/v1/runs/${done.id}`, { auth: admin.token })).status).toBe(404);
      const busy = await seedPipeline(server, {
        owner: admin.actor,
        workflowId,
        name: 'busy',
        createdAt: at('2024-06-01T00:00:00Z'),
      });
      const open = await seedRun(server, { pipelineId: busy.id, status: 'EXECUTING', at: at('2024-06-06T00:00:00Z') });
      const refused = await call(server, `/api/v1/runs/${open.id}`, { method: 'DELETE', auth: admin.token });
      expect(refused.status).toBe(400);
      expect(refused.body.detail[0]).toBe('IllegalOperationError');
      await server.core.runs.cancel(admin.actor, open.id);
    });

    it('filters runs by name and in_progress; an unsupported filter is a 422 naming it', async () => {
      const run = await seedRun(server, {
        pipelineId: pipeline.id,
        status: 'COMPLETED',
        at: at('2024-06-07T00:00:00Z'),
      });
      const name = (await get(server, `/api/v1/runs/${run.id}`, admin.token)).name as string;
      const found = await get(server, `/api/v1/runs?name=contains:${encodeURIComponent(name)}`, admin.token);
      expect(found.items.map((r: { name: string }) => r.name)).toEqual([name]);
      const none = await get(server, '/api/v1/runs?name=contains:no-such-run', admin.token);
      expect(none.total).toBe(0);
      const inProgress = await get(server, '/api/v1/runs?in_progress=true', admin.token);
      expect(inProgress.items.every((r: { body: { in_progress: boolean } }) => r.body.in_progress)).toBe(true);
      const unknown = await call(server, '/api/v1/runs?stack_id=7d0f1c55-0d7a-4a51-a9d1-2f8f6e9d2c10', {
        auth: admin.token,
      });
      expect(unknown.status).toBe(422);
      expect(unknown.body.detail[1]).toContain('stack_id');
    });

    it('keeps `updated` still while a run only heartbeats', async () => {
      const beating = await seedPipeline(server, {
        owner: admin.actor,
        workflowId,
        name: 'beating',
        createdAt: at('2024-06-01T00:00:00Z'),
      });
      const run = await seedRun(server, {
        pipelineId: beating.id,
        status: 'EXECUTING',
        at: at('2024-06-08T00:00:00Z'),
      });
      const before = (await get(server, `/api/v1/runs/${run.id}`, admin.token)).body.updated;
      await server.core.lifecycle.heartbeat(run.id, 'attempt-1', 60_000, {
        // the seeded run's holder (zenml-support)
        stages: { passed: [1, 1, 1, 1, 1, 1], failed: [0, 0, 0, 0, 0, 0] },
        files: { total: 0, ok: 0, failed: 0 },
      });
      expect((await get(server, `/api/v1/runs/${run.id}`, admin.token)).body.updated).toBe(before);
      await server.core.runs.cancel(admin.actor, run.id);
      expect((await get(server, `/api/v1/runs/${run.id}`, admin.token)).body.updated).not.toBe(before);
    });
  });

  describe('tokens and collections Pipewright does not have', () => {
    it('GET /api_token issues a short-lived token that works', async () => {
      const token = await get<string>(server, '/api/v1/api_token?expires_in=60', member.token);
      expect(typeof token).toBe('string');
      expect((await get(server, '/api/v1/current-user', token)).id).toBe(member.id);
      expect((await call(server, '/api/v1/api_token?expires_in=999999999', { auth: member.token })).status).toBe(400);
      expect((await call(server, '/api/v1/api_token?token_type=workload', { auth: member.token })).status).toBe(400);
    });

    it('answers an empty page for each, and ZenML’s 404 by id', async () => {
      for (const path of [
        'pipeline_snapshots',
        'deployments',
        'stacks',
        'components',
        'secrets',
        'service_connectors',
        'service_accounts',
      ]) {
        expect(await get(server, `/api/v1/${path}?sort_by=desc:created&page=1&size=20`, admin.token)).toEqual({
          index: 1,
          max_size: 20,
          total_pages: 1,
          total: 0,
          items: [],
        });
      }
      const one = await call(server, '/api/v1/stacks/7d0f1c55-0d7a-4a51-a9d1-2f8f6e9d2c10', { auth: admin.token });
      expect(one.status).toBe(404);
      expect(one.body.detail).toEqual([
        'KeyError',
        "'Unable to get stack with ID 7d0f1c55-0d7a-4a51-a9d1-2f8f6e9d2c10: No stack with this ID found.'",
      ]);
      expect((await call(server, '/api/v1/stacks', {})).status).toBe(401);
    });
  });
});
