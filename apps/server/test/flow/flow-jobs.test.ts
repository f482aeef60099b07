import type { Run } from '@pipewright/core';
import { insertRun, rawRequest, type RunFixtureStatus } from '../meergo/meergo-support.js';
import { startTestServer, type TestServer, type TestUser } from '../support/test-server.js';
import { flowBody, pipelineOwnedBy } from './flow-support.js';

type Owned = Awaited<ReturnType<typeof pipelineOwnedBy>>;

// Flow jobs: linking a job (a run) to pipelines, the visibility it grants, job status.
describe('flow jobs', () => {
  let server: TestServer;
  let owner: TestUser; // owns the job's workflow and pipeline A, B
  let member: TestUser; // sees A (shared), so sees the job, but does not own its workflow
  let viewer: TestUser; // sees only D, a pipeline the job gets linked to
  let a: Owned;
  let b: Owned;
  let c: Owned; // the admin's, shared with the owner: read + execute, no manage
  let d: Owned;
  let job: Run;

  beforeAll(async () => {
    server = await startTestServer();
    owner = await server.user();
    member = await server.user();
    viewer = await server.user();
    a = await pipelineOwnedBy(server, owner.actor);
    b = await pipelineOwnedBy(server, owner.actor);
    c = await pipelineOwnedBy(server, server.admin.actor);
    d = await pipelineOwnedBy(server, owner.actor);
    await server.core.pipelines.share(owner.actor, a.id, { userIds: [member.id], toOrg: false });
    await server.core.pipelines.share(server.admin.actor, c.id, { userIds: [owner.id], toOrg: false });
    await server.core.pipelines.share(owner.actor, d.id, { userIds: [viewer.id], toOrg: false });
    job = await insertRun(server, {
      orgId: server.org.id,
      pipelineId: a.id,
      workflowId: a.workflowId,
      status: 'COMPLETED',
    });
  });
  afterAll(() => server.close());

  const link = (user: TestUser, body: unknown) =>
    server.fetch('/api/v1/jobs/pipelines', { method: 'POST', auth: user.apiKey, json: body });
  const status = (user: TestUser, jobId: string) =>
    server.fetch(`/api/v1/jobs/status?job_id=${encodeURIComponent(jobId)}&type=flow`, { auth: user.apiKey });
  const error = (msg: string) => ({ status: 200, body: { status: 'ERROR', msg } });

  describe('POST /api/v1/jobs/pipelines', () => {
    it('replaces the job’s pipelines and answers them; an empty list unlinks all', async () => {
      expect(await flowBody(await link(owner, { job_id: job.id, pipeline_ids: [b.id, d.id, b.id] }))).toEqual({
        status: 200,
        body: {
          status: 'OK',
          updated_pipelines: [
            { flowPipelineName: b.name, flowPipelineId: b.id },
            { flowPipelineName: d.name, flowPipelineId: d.id },
          ],
        },
      });
      expect((await server.core.runs.get(owner.actor, job.id)).linkedPipelineIds).toEqual([b.id, d.id]);
      await link(owner, { job_id: job.id, pipeline_ids: [d.id] });
      expect((await server.core.runs.get(owner.actor, job.id)).linkedPipelineIds).toEqual([d.id]);
      expect(await flowBody(await link(owner, { job_id: job.id, pipeline_ids: [] }))).toEqual({
        status: 200,
        body: { status: 'OK', updated_pipelines: [] },
      });
      expect((await server.core.runs.get(owner.actor, job.id)).linkedPipelineIds).toEqual([]);
    });

    it('accepts a body sent without a JSON content type, and one id as a string', async () => {
      const res = await server.fetch('/api/v1/jobs/pipelines', {
        method: 'POST',
        auth: owner.apiKey,
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ job_id: job.id, pipeline_ids: b.id }),
      });
      expect((await flowBody(res)).body).toEqual({
        status: 'OK',
        updated_pipelines: [{ flowPipelineName: b.name, flowPipelineId: b.id }],
      });
      await link(owner, { job_id: job.id, pipeline_ids: [] });
    });

    it('makes the job visible to a linked pipeline’s members through every dialect, until unlinked', async () => {
      const meergoGet = () => server.fetch(`/v1/pipelines/runs/${job.seq}`, { auth: viewer.apiKey });
      const notFound = { error: { code: 'NotFound', message: `pipeline run ${job.seq} does not exist` } };
      expect([(await meergoGet()).status, await (await meergoGet()).json()]).toEqual([404, notFound]);
      expect((await flowBody(await status(viewer, job.id))).body).toEqual({
        status: 'ERROR',
        msg: `Job ${job.id} not found`,
      });

      await link(owner, { job_id: job.id, pipeline_ids: [d.id] });
      // Meergo lists only runs of pipelines the caller may see, each with its pipeline's int id:
      // the viewer may not see the run's own pipeline (A), so Meergo still does not show it.
      expect([(await meergoGet()).status, await (await meergoGet()).json()]).toEqual([404, notFound]);
      const list = await server.fetch('/v1/pipelines/runs', { auth: viewer.apiKey });
      expect(((await list.json()) as { runs: Array<{ id: number }> }).runs.map((r) => r.id)).not.toContain(job.seq);
      expect((await flowBody(await status(viewer, job.id))).body).toMatchObject({ status: 'OK', job_id: job.id });
      expect((await server.core.runs.get(viewer.actor, job.id)).id).toBe(job.id);

      await link(owner, { job_id: job.id, pipeline_ids: [] });
      expect((await meergoGet()).status).toBe(404);
    });

    it('ERROR for an unknown job', async () => {
      const unknown = '5b0e8c1e-9d4f-4f35-8a57-3c3b2f9d1e20';
      expect(await flowBody(await link(owner, { job_id: unknown, pipeline_ids: [] }))).toEqual(
        error(`Job ${unknown} not found`),
      );
      expect(await flowBody(await link(owner, { job_id: 'nope', pipeline_ids: [] }))).toEqual(
        error('Job nope not found'),
      );
      // A job of another organization is unknown too.
      const other = await server.organization('flow-jobs-other');
      const theirs = await pipelineOwnedBy(server, other.admin.actor);
      const theirJob = await insertRun(server, {
        orgId: other.id,
        pipelineId: theirs.id,
        workflowId: theirs.workflowId,
        status: 'COMPLETED',
      });
      expect(await flowBody(await link(owner, { job_id: theirJob.id, pipeline_ids: [] }))).toEqual(
        error(`Job ${theirJob.id} not found`),
      );
    });

    it('ERROR for an unknown pipeline, naming it', async () => {
      const unknown = '0f8e0b8e-4a3c-4f0e-9b0c-6a8b2c7d9e11';
      expect(await flowBody(await link(owner, { job_id: job.id, pipeline_ids: [b.id, unknown] }))).toEqual(
        error(`Pipeline ${unknown} not found`),
      );
      expect(await flowBody(await link(owner, { job_id: job.id, pipeline_ids: ['xyz'] }))).toEqual(
        error('Pipeline xyz not found'),
      );
      // A pipeline the owner cannot see is unknown as well.
      const hidden = await pipelineOwnedBy(server, server.admin.actor);
      expect(await flowBody(await link(owner, { job_id: job.id, pipeline_ids: [hidden.id] }))).toEqual(
        error(`Pipeline ${hidden.id} not found`),
      );
      expect((await server.core.runs.get(owner.actor, job.id)).linkedPipelineIds).toEqual([]);
    });

    it('ERROR without manage_pipelines on a pipeline, or write access to the job', async () => {
      expect(await flowBody(await link(owner, { job_id: job.id, pipeline_ids: [c.id] }))).toEqual(
        error(`You cannot manage pipeline ${c.id}.`),
      );
      expect(await flowBody(await link(member, { job_id: job.id, pipeline_ids: [] }))).toEqual(
        error('You do not have write access to the job.'),
      );
      expect(await flowBody(await link(viewer, { job_id: job.id, pipeline_ids: [] }))).toEqual(
        error(`Job ${job.id} not found`),
      );
      // The org admin may link anything of the org.
      expect((await flowBody(await link(server.admin, { job_id: job.id, pipeline_ids: [c.id] }))).body.status).toBe(
        'OK',
      );
      await link(server.admin, { job_id: job.id, pipeline_ids: [] });
    });

    it('ERROR for a malformed body', async () => {
      const post = (body: string) =>
        server.fetch('/api/v1/jobs/pipelines', {
          method: 'POST',
          auth: owner.apiKey,
          headers: { 'content-type': 'application/json' },
          body,
        });
      expect(await flowBody(await post('{not json'))).toEqual(error('Request body must be valid JSON.'));
      expect(await flowBody(await post('[1, 2]'))).toEqual(error('Request body must be a JSON object.'));
      expect(await flowBody(await post(''))).toEqual(
        error('job_id must be a non-empty string; pipeline_ids must be a list of pipeline ids'),
      );
      expect(await flowBody(await link(owner, { job_id: 5, pipeline_ids: [] }))).toEqual(
        error('job_id must be a non-empty string'),
      );
      expect(await flowBody(await link(owner, { job_id: '', pipeline_ids: [] }))).toEqual(
        error('job_id must be a non-empty string'),
      );
      expect(await flowBody(await link(owner, { job_id: job.id }))).toEqual(
        error('pipeline_ids must be a list of pipeline ids'),
      );
      expect(await flowBody(await link(owner, { job_id: job.id, pipeline_ids: [1] }))).toEqual(
        error('pipeline_ids must be a list of pipeline ids'),
      );
      expect(await flowBody(await link(owner, { job_id: job.id, pipeline_ids: { a: 1 } }))).toEqual(
        error('pipeline_ids must be a list of pipeline ids'),
      );
    });

    it('401 when authentication fails', async () => {
      const res = await server.fetch('/api/v1/jobs/pipelines', {
        method: 'POST',
        json: { job_id: job.id, pipeline_ids: [] },
      });
      expect(await flowBody(res)).toEqual({
        status: 401,
        body: { status: 'ERROR', msg: 'Authentication credentials were not provided.' },
      });
      const bad = await server.fetch('/api/v1/jobs/pipelines', {
        method: 'POST',
        auth: 'bad.token.here',
        json: { job_id: job.id, pipeline_ids: [] },
      });
      expect(await flowBody(bad)).toEqual({
        status: 401,
        body: { status: 'ERROR', msg: 'Invalid or expired credentials.' },
      });
    });
  });

  describe('GET /api/v1/jobs/status', () => {
    const cases: Array<[RunFixtureStatus, string, string, boolean]> = [
      ['PENDING', 'PENDING', 'RUNNING', true],
      ['EXECUTING', 'PENDING', 'RUNNING', false],
      ['STOPPING', 'PENDING', 'RUNNING', false],
      ['COMPLETED', 'DONE', 'COMPLETE', false],
      ['ERROR', 'DONE', 'FAILED', false],
      ['STOPPED', 'DONE', 'CANCELLED', false],
    ];

    it.each(cases)('a %s run is state %s, Flow status %s', async (runStatus, state, flowState, waiting) => {
      const p = await pipelineOwnedBy(server, owner.actor);
      const run = await insertRun(server, {
        orgId: server.org.id,
        pipelineId: p.id,
        workflowId: p.workflowId,
        status: runStatus,
        error: 'source unreachable',
      });
      const { status: http, body } = await flowBody(await status(owner, run.id));
      expect(http).toBe(200);
      expect(body).toMatchObject({ status: 'OK', job_id: run.id, state, is_waiting_for_resources: waiting });
      const cur = JSON.parse(body.cur_status as string);
      expect(cur.status).toBe(flowState);
      const done = state === 'DONE';
      expect(cur.curProgress).toBe(done ? 1 : 0);
      expect(cur.finish_timestamp).toBe(done ? Math.floor(run.endedAt!.getTime() / 1000) : null);
      if (!done) expect(body.results).toBeUndefined();
      if (flowState === 'COMPLETE') expect(body.results).toEqual([{ status: 'OK' }]);
      if (flowState === 'FAILED') expect(body.results).toEqual([{ status: 'ERROR', msg: 'source unreachable' }]);
      if (flowState === 'CANCELLED') expect(body.results).toEqual([{ status: 'ERROR', msg: 'run has been canceled' }]);
    });

    it('takes job_id from a JSON body too (AI Hub clients send one with GET)', async () => {
      const res = await rawRequest(server.baseUrl, {
        method: 'GET',
        path: '/api/v1/jobs/status',
        headers: { authorization: `Bearer ${owner.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ job_id: job.id, type: 'flow' }),
      });
      expect(JSON.parse(res.body)).toMatchObject({ status: 'OK', job_id: job.id, state: 'DONE' });
    });

    it('ERROR for a missing, unknown or invisible job; 401 without credentials', async () => {
      expect(await flowBody(await server.fetch('/api/v1/jobs/status', { auth: owner.apiKey }))).toEqual(
        error('job_id is required.'),
      );
      expect(await flowBody(await status(owner, 'nope'))).toEqual(error('Job nope not found'));
      const outsider = (await server.organization('flow-status-other')).admin;
      expect(await flowBody(await status(outsider, job.id))).toEqual(error(`Job ${job.id} not found`));
      expect((await server.fetch(`/api/v1/jobs/status?job_id=${job.id}`)).status).toBe(401);
    });
  });
});
