import { readdir } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import type { Executor, UploadedFile } from '@pipewright/core';
import { TYPES } from '@pipewright/server';
import { startTestServer, type TestServer, type TestUser } from '../support/test-server.js';
import { api, call, createWorkflow, serviceActor, settleRun, until } from './unstract-support.js';

const MiB = 1024 * 1024;

/** Files still in the server's upload folder (any process folder under `<dataDir>/uploads`). */
async function spooledFiles(server: TestServer): Promise<string[]> {
  const root = join(server.built.config.dataDir, 'uploads');
  const out: string[] = [];
  for (const folder of await readdir(root))
    out.push(...(await readdir(join(root, folder))).map((f) => `${folder}/${f}`));
  return out;
}

function form(workflowId: string, files: Array<{ name: string; bytes: number }>): FormData {
  const f = new FormData();
  f.append('workflow_id', workflowId);
  for (const file of files)
    f.append(
      'files',
      new Blob([`${'{"a":1}\n'.repeat(Math.ceil(file.bytes / 8))}`.slice(0, file.bytes)], {
        type: 'application/x-ndjson',
      }),
      file.name,
    );
  return f;
}

/**
 * A chunked multipart upload of `mib` MiB, generated as it is sent, that stops as soon as the
 * server answers or closes: how many bytes got through before the answer.
 */
function postChunked(
  url: string,
  auth: string,
  workflowId: string,
  mib: number,
): Promise<{ status: number; text: string; sent: number }> {
  const boundary = '----capped';
  const target = new URL(url);
  const chunk = Buffer.from('{"a":1}\n'.repeat(MiB / 8));
  let sent = 0;
  return new Promise((resolve) => {
    let done = false;
    const finish = (status: number, text: string) => {
      if (!done) resolve({ status, text, sent });
      done = true;
    };
    const req = request(
      {
        method: 'POST',
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        headers: {
          authorization: `Bearer ${auth}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'transfer-encoding': 'chunked',
        },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => finish(res.statusCode ?? 0, Buffer.concat(parts).toString('utf8')));
        res.on('error', () => finish(res.statusCode ?? 0, Buffer.concat(parts).toString('utf8')));
      },
    );
    req.on('error', () => finish(0, ''));
    const write = (data: string | Buffer) =>
      new Promise<boolean>((ok) => {
        if (done || req.destroyed) return ok(false);
        sent += Buffer.byteLength(data);
        if (req.write(data)) return ok(true);
        req.once('drain', () => ok(!done));
      });
    void (async () => {
      if (
        !(await write(`--${boundary}\r\nContent-Disposition: form-data; name="workflow_id"\r\n\r\n${workflowId}\r\n`))
      )
        return;
      if (
        !(await write(
          `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.ndjson"\r\nContent-Type: application/x-ndjson\r\n\r\n`,
        ))
      )
        return;
      for (let i = 0; i < mib; i++) if (!(await write(chunk))) return;
      if (await write(`\r\n--${boundary}--\r\n`)) req.end();
    })();
  });
}

describe('unstract uploads: on disk, capped per file, per request and per organization', () => {
  let server: TestServer;
  let base: string;
  let wf: { id: string };
  const executions = async (id = wf.id) =>
    (await call(server, 'GET', `${base}/workflow/${id}/execution/`)).body as unknown[];

  beforeAll(async () => {
    // 1 MiB per file, 2 MiB per request, 3 MiB held per organization.
    server = await startTestServer({ config: { uploadMaxFileMb: 1, uploadMaxRequestMb: 2, uploadMaxOrgMb: 3 } });
    base = api(server.org.slug);
    wf = await createWorkflow(server, server.admin, 'uploads', {
      source_settings: { connector: 'upload', settings: {} },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('runs the files from disk, then deletes them and gives their bytes back', async () => {
    const r = await call(server, 'POST', `${base}/workflow/execute/`, {
      body: form(wf.id, [
        { name: 'a.ndjson', bytes: 800 },
        { name: 'b.ndjson', bytes: 80 },
      ]),
    });
    expect(r.status).toBe(200);
    await until(async () => (await server.core.runs.get(serviceActor(server), r.body.execution_id)).isTerminal);
    const run = await server.core.runs.get(serviceActor(server), r.body.execution_id);
    expect(run).toMatchObject({ status: 'COMPLETED', files: { total: 2, ok: 2, failed: 0 } });
    expect(run.stages.passed[0]).toBe(110);
    await until(async () => (await spooledFiles(server)).length === 0);
    expect(server.built.uploads.budget.heldBy(server.org.id)).toBe(0);
  });

  it('answers 413 for a file over the cap or a request over the cap, keeps nothing and starts no run', async () => {
    const before = (await executions()).length;
    const bigFile = await call(server, 'POST', `${base}/workflow/execute/`, {
      body: form(wf.id, [{ name: 'big.ndjson', bytes: MiB + 10 }]),
    });
    expect(bigFile.status).toBe(413);
    expect(bigFile.body).toEqual({
      type: 'client_error',
      errors: [{ code: 'error', detail: 'An uploaded file is larger than the limit of 1 MiB.', attr: 'files' }],
    });
    const bigRequest = await call(server, 'POST', `${base}/workflow/execute/`, {
      body: form(wf.id, [
        { name: 'a.ndjson', bytes: MiB - 100 },
        { name: 'b.ndjson', bytes: MiB - 100 },
        { name: 'c.ndjson', bytes: MiB - 100 },
      ]),
    });
    expect(bigRequest.status).toBe(413);
    expect(bigRequest.body.errors[0].detail).toBe('The request is larger than the upload limit of 2 MiB per request.');
    expect(await spooledFiles(server)).toEqual([]);
    expect(server.built.uploads.budget.heldBy(server.org.id)).toBe(0);
    expect(await executions()).toHaveLength(before);
  });

  it('cuts a chunked request off as soon as it passes the cap, without reading the rest', async () => {
    const sent = await postChunked(`${server.baseUrl}${base}/workflow/execute/`, server.admin.apiKey, wf.id, 64);
    expect(sent.status).toBe(413);
    expect(JSON.parse(sent.text).errors[0].detail).toMatch(/larger than the (upload )?limit/);
    // Far less than the 64 MiB the client meant to send.
    expect(sent.sent).toBeLessThan(16 * MiB);
    expect(await spooledFiles(server)).toEqual([]);
  });

  it('holds an organization to its cap while another one still uploads', async () => {
    const other = await server.organization(`uploads-b-${Date.now() % 100000}`);
    const otherWf = await (async () => {
      const r = await call(server, 'POST', `${api(other.slug)}/workflow/`, {
        as: other.admin,
        json: { workflow_name: 'b', source_settings: { connector: 'upload', settings: {} } },
      });
      return r.body as { id: string };
    })();
    // The runs of this test do not consume their files: the executor keeps them aside.
    const executor = server.built.container.get<Executor>(TYPES.Executor);
    const submit = executor.submit;
    const held: UploadedFile[] = [];
    executor.submit = async (run, options) => {
      held.push(...(options?.files ?? []));
      return submit.call(executor, run, { files: [] });
    };
    const post = (user: TestUser, slug: string, id: string, mib: number) =>
      call(server, 'POST', `${api(slug)}/workflow/execute/`, {
        as: user,
        body: form(
          id,
          Array.from({ length: mib }, (_, i) => ({ name: `${i}.ndjson`, bytes: MiB - 1000 })),
        ),
      });
    try {
      expect((await post(server.admin, server.org.slug, wf.id, 2)).status).toBe(200);
      const before = (await executions()).length;
      const refused = await post(server.admin, server.org.slug, wf.id, 2);
      expect(refused.status).toBe(413);
      expect(refused.body.errors[0].detail).toMatch(
        /organization's uploads waiting for their runs would pass its limit of 3 MiB/,
      );
      expect(await executions()).toHaveLength(before);
      // Organization B is not held back by A's uploads.
      expect((await post(other.admin, other.slug, otherWf.id, 2)).status).toBe(200);
      expect(server.built.uploads.budget.heldBy(server.org.id)).toBe(2 * (MiB - 1000));
      // Once A's files are consumed, A uploads again.
      await Promise.all(held.splice(0).map(async (f) => f.discard?.()));
      expect(server.built.uploads.budget.heldBy(server.org.id)).toBe(0);
      expect((await post(server.admin, server.org.slug, wf.id, 2)).status).toBe(200);
    } finally {
      executor.submit = submit;
      await Promise.all(held.map(async (f) => f.discard?.()));
    }
    expect(await spooledFiles(server)).toEqual([]);
    for (const run of await executions())
      await settleRun(server.core, serviceActor(server), (run as { id: string }).id).catch(() => {});
  });
});
