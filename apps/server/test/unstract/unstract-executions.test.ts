import { randomUUID } from 'node:crypto';
import type { Executor, LogLevel, UploadedFile } from '@pipewright/core';
import { TYPES } from '@pipewright/server';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  api,
  call,
  cast,
  createPipeline,
  createWorkflow,
  serviceActor,
  settleRun,
  type Cast,
} from './unstract-support.js';

const TERMINAL = ['COMPLETED', 'ERROR', 'STOPPED'];

describe('unstract workflow execute, executions and logs', () => {
  let server: TestServer;
  let who: Cast;
  let base: string;
  beforeAll(async () => {
    server = await startTestServer();
    who = await cast(server);
    base = api(server.org.slug);
  });
  afterAll(async () => {
    await server.close();
  });

  const execute = (json: Record<string, unknown>, as = who.owner) =>
    call(server, 'POST', `${base}/workflow/execute/`, { as, json });

  describe('POST workflow/execute/', () => {
    it('starts an execution of the workflow and answers at once', async () => {
      const wf = await createWorkflow(server, who.owner, 'exec-json');
      const r = await execute({ workflow_id: wf.id });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({
        workflow_id: wf.id,
        execution_id: expect.any(String),
        execution_status: expect.stringMatching(/^(PENDING|EXECUTING|COMPLETED|ERROR)$/),
        log_id: r.body.execution_id,
        error: null,
        result: null,
      });
      const run = await server.core.runs.get(serviceActor(server), r.body.execution_id);
      expect(run.pipelineId).toBeNull();
      expect(run.workflowId).toBe(wf.id);
      await settleRun(server.core, serviceActor(server), run.id);
    });

    it('hands multipart `files` to the run (the upload source)', async () => {
      const wf = await createWorkflow(server, who.owner, 'exec-files', {
        source_settings: { connector: 'upload', settings: {} },
      });
      // Observe what reaches the executor (it forwards to whatever executes runs).
      const executor = server.built.container.get<Executor>(TYPES.Executor);
      const submit = executor.submit;
      const seen: Array<Array<[string, string, string | undefined, number]>> = [];
      // Read as the executor gets them: the run deletes them from disk once it ends.
      const text = async (f: UploadedFile) => {
        const parts: Uint8Array[] = [];
        for await (const chunk of f.stream()) parts.push(chunk);
        return Buffer.concat(parts).toString('utf8');
      };
      executor.submit = async (run, options) => {
        seen.push(
          await Promise.all(
            (options?.files ?? []).map(
              async (f) => [f.name, await text(f), f.mimeType, f.size] as [string, string, string | undefined, number],
            ),
          ),
        );
        return submit.call(executor, run, options);
      };
      try {
        const form = new FormData();
        form.append('workflow_id', wf.id);
        form.append('files', new Blob(['{"a":1}\n'], { type: 'application/x-ndjson' }), 'one.ndjson');
        form.append('files', new Blob(['x,y\n'], { type: 'text/csv' }), 'two é.csv');
        const r = await call(server, 'POST', `${base}/workflow/execute/`, { as: who.owner, body: form });
        expect(r.status).toBe(200);
        expect(seen).toHaveLength(1);
        expect(seen[0]).toEqual([
          ['one.ndjson', '{"a":1}\n', 'application/x-ndjson', 8],
          ['two é.csv', 'x,y\n', 'text/csv', 4],
        ]);
        await settleRun(server.core, serviceActor(server), r.body.execution_id);
      } finally {
        executor.submit = submit;
      }
    });

    it('CONTINUE waits for the execution to end and reports its final status', async () => {
      const wf = await createWorkflow(server, who.owner, 'exec-continue');
      const first = await execute({ workflow_id: wf.id });
      const waiting = execute({
        workflow_id: wf.id,
        execution_id: first.body.execution_id,
        execution_action: 'CONTINUE',
        timeout: 20,
      });
      const status = await settleRun(server.core, serviceActor(server), first.body.execution_id);
      const r = await waiting;
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        workflow_id: wf.id,
        execution_id: first.body.execution_id,
        execution_status: status,
      });
    });

    it('with an execution_id and files, runs them and waits (Unstract’s second call)', async () => {
      const wf = await createWorkflow(server, who.owner, 'exec-second-call');
      const first = await execute({ workflow_id: wf.id });
      await settleRun(server.core, serviceActor(server), first.body.execution_id);
      const form = new FormData();
      form.append('workflow_id', wf.id);
      form.append('execution_id', first.body.execution_id);
      form.append('timeout', '1');
      form.append('files', new Blob(['1\n']), 'f.txt');
      const r = await call(server, 'POST', `${base}/workflow/execute/`, { as: who.owner, body: form });
      expect(r.status).toBe(200);
      expect(r.body.execution_id).not.toBe(first.body.execution_id);
      await settleRun(server.core, serviceActor(server), r.body.execution_id);
    });

    it('STOP cancels the execution', async () => {
      const wf = await createWorkflow(server, who.owner, 'exec-stop');
      const first = await execute({ workflow_id: wf.id });
      const r = await execute({ workflow_id: wf.id, execution_id: first.body.execution_id, execution_action: 'STOP' });
      expect(r.status).toBe(200);
      // A pending execution stops at once; one the engine already finished stays as it ended.
      expect([...TERMINAL, 'EXECUTING']).toContain(r.body.execution_status);
      await settleRun(server.core, serviceActor(server), first.body.execution_id);
    });

    it('reports bad requests on Unstract fields', async () => {
      const wf = await createWorkflow(server, who.owner, 'exec-bad');
      expect((await execute({})).body.errors).toEqual([
        { code: 'required', detail: 'This field is required.', attr: 'workflow_id' },
      ]);
      expect((await execute({ workflow_id: wf.id, execution_action: 'PAUSE' })).body.errors).toEqual([
        { code: 'invalid_choice', detail: '"PAUSE" is not a valid choice.', attr: 'execution_action' },
      ]);
      for (const action of ['NEXT', 'STOP', 'CONTINUE']) {
        expect((await execute({ workflow_id: wf.id, execution_action: action })).body.errors).toEqual([
          { code: 'required', detail: 'This field is required.', attr: 'execution_id' },
        ]);
      }
      const other = await createWorkflow(server, who.owner, 'exec-bad-other');
      const run = await execute({ workflow_id: other.id });
      const mismatch = await execute({ workflow_id: wf.id, execution_id: run.body.execution_id });
      expect(mismatch.status).toBe(400);
      expect(mismatch.body.errors[0].attr).toBe('execution_id');
      await settleRun(server.core, serviceActor(server), run.body.execution_id);
      await call(server, 'PUT', `${base}/workflow/active/${wf.id}/`, { as: who.owner });
      const inactive = await execute({ workflow_id: wf.id });
      expect(inactive.status).toBe(400);
      expect(inactive.body.errors).toEqual([
        { code: 'invalid', detail: 'The workflow is not active.', attr: 'workflow_id' },
      ]);
      expect((await execute({ workflow_id: wf.id }, who.outsider)).status).toBe(404);
      expect((await execute({ workflow_id: wf.id }, who.foreign)).status).toBe(403);
    });
  });

  describe('executions', () => {
    let wf: { id: string };
    let runIds: string[];
    beforeAll(async () => {
      wf = await createWorkflow(server, who.owner, 'executions-wf');
      await call(server, 'POST', `${base}/workflow/${wf.id}/share/`, {
        as: who.owner,
        json: { shared_users: [who.shared.id] },
      });
      runIds = [];
      for (let i = 0; i < 2; i++) {
        const r = await execute({ workflow_id: wf.id });
        runIds.push(r.body.execution_id);
        await settleRun(server.core, serviceActor(server), r.body.execution_id);
        await new Promise((done) => setTimeout(done, 5));
      }
      // A pipeline run of the workflow counts too.
      const p = await createPipeline(server, who.owner, 'executions-p', { workflow: wf.id });
      const run = await server.core.runs.trigger(serviceActor(server), p.id);
      await settleRun(server.core, serviceActor(server), run.id);
      runIds.push(run.id);
    });

    it('GET workflow/{id}/execution/ lists them newest first (bare array, or paginated)', async () => {
      const all = await call(server, 'GET', `${base}/workflow/${wf.id}/execution/`, { as: who.owner });
      expect(all.status).toBe(200);
      expect(all.body.map((e: { id: string }) => e.id)).toEqual([...runIds].reverse());
      const page = await call(server, 'GET', `${base}/workflow/${wf.id}/execution/?page_size=2`, { as: who.owner });
      expect(page.body.count).toBe(3);
      expect(page.body.next).toBe(`${server.baseUrl}${base}/workflow/${wf.id}/execution/?page=2&page_size=2`);
    });

    it('the list is for owners: 403 for a shared user, 404 for an outsider', async () => {
      expect(
        (await call(server, 'GET', `${base}/workflow/${wf.id}/execution/`, { as: who.shared })).body.errors[0].code,
      ).toBe('permission_denied');
      expect((await call(server, 'GET', `${base}/workflow/${wf.id}/execution/`, { as: who.outsider })).status).toBe(
        404,
      );
    });

    it('GET workflow/execution/{id}/ (and execution/{id}/) read one', async () => {
      const id = runIds[0]!;
      const r = await call(server, 'GET', `${base}/workflow/execution/${id}/`, { as: who.shared });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ id, workflow: wf.id, pipeline_id: null, execution_type: 'COMPLETE', attempts: 1 });
      expect(TERMINAL).toContain(r.body.status);
      expect((await call(server, 'GET', `${base}/execution/${id}/`, { as: who.owner })).body).toEqual(r.body);
      const hidden = await call(server, 'GET', `${base}/workflow/execution/${id}/`, { as: who.outsider });
      expect(hidden.status).toBe(404);
      expect(hidden.body.errors[0].detail).toBe('Execution not found.');
      expect((await call(server, 'GET', `${base}/workflow/execution/${randomUUID()}/`, { as: who.owner })).status).toBe(
        404,
      );
    });
  });

  describe('GET workflow/execution/{id}/logs/', () => {
    let runId: string;
    const fileExecutionId = randomUUID();
    beforeAll(async () => {
      const wf = await createWorkflow(server, who.owner, 'logs-wf');
      runId = (await execute({ workflow_id: wf.id })).body.execution_id;
      await settleRun(server.core, serviceActor(server), runId);
      const t0 = Date.now() + 60_000;
      const line = (i: number, level: LogLevel, file: string | null) => ({
        id: randomUUID(),
        runId,
        level,
        stage: 'Receive',
        message: `test-line-${i}`,
        fileExecutionId: file,
        time: new Date(t0 + i * 1000),
      });
      // Appended out of order: the route orders by event time.
      await server.core.lifecycle.log([
        line(3, 'ERROR', fileExecutionId),
        line(0, 'DEBUG', null),
        line(2, 'WARN', null),
        line(1, 'INFO', fileExecutionId),
      ]);
    });
    const logs = (q = '') => call(server, 'GET', `${base}/workflow/execution/${runId}/logs/?${q}`, { as: who.owner });
    const ours = (rows: { data: { log: string } }[]) =>
      rows.map((r) => r.data.log).filter((m) => m.startsWith('test-line-'));

    it('pages the logs by event time', async () => {
      const r = await logs();
      expect(r.status).toBe(200);
      expect(ours(r.body.results)).toEqual(['test-line-0', 'test-line-1', 'test-line-2', 'test-line-3']);
      const row = r.body.results.find((x: { data: { log: string } }) => x.data.log === 'test-line-1');
      expect(row).toEqual({
        id: expect.any(String),
        wf_execution: runId,
        file_execution: fileExecutionId,
        event_time: expect.any(String),
        data: {
          type: 'LOG',
          level: 'INFO',
          stage: 'Receive',
          log: 'test-line-1',
          file_execution_id: fileExecutionId,
          timestamp: row.event_time,
        },
        created_at: row.event_time,
        modified_at: row.event_time,
      });
      const total = r.body.count as number;
      const page = await logs(`page_size=1&page=${total}`);
      expect(ours(page.body.results)).toEqual(['test-line-3']);
      expect(page.body.next).toBeNull();
      expect(page.body.previous).toContain(`page=${total - 1}`);
    });

    it('filters by minimum log level and by file execution', async () => {
      expect(ours((await logs('log_level=WARN')).body.results)).toEqual(['test-line-2', 'test-line-3']);
      expect(ours((await logs('log_level=error')).body.results)).toEqual(['test-line-3']);
      expect(ours((await logs(`file_execution_id=${fileExecutionId}`)).body.results)).toEqual([
        'test-line-1',
        'test-line-3',
      ]);
      expect(ours((await logs('file_execution_id=null&log_level=INFO')).body.results)).toEqual(['test-line-2']);
      expect((await logs('log_level=LOUD')).body.errors).toEqual([
        { code: 'invalid_choice', detail: '"LOUD" is not a valid choice.', attr: 'log_level' },
      ]);
      expect((await logs('file_execution_id=abc')).body.errors[0].attr).toBe('file_execution_id');
    });

    it('is visible to whoever sees the execution', async () => {
      expect(
        (await call(server, 'GET', `${base}/workflow/execution/${runId}/logs/`, { as: who.outsider })).status,
      ).toBe(404);
      expect((await call(server, 'GET', `${base}/workflow/execution/${runId}/logs/`, { as: who.foreign })).status).toBe(
        403,
      );
    });
  });
});
