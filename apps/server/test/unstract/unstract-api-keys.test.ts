import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { api, call, cast, createPipeline, serviceActor, settleRun, type Cast } from './unstract-support.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const newmanCli = join(root, 'node_modules/newman/bin/newman.js');

/** Runs newman on a collection file (asynchronously: the test server answers in this process). */
function newman(collection: string, report: string): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [
        newmanCli,
        'run',
        collection,
        '--reporters',
        'cli,json',
        '--reporter-json-export',
        report,
        '--timeout-request',
        '10000',
      ],
      { timeout: 60_000 },
      (err, stdout, stderr) =>
        done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

describe('unstract API keys, the public deployment route and the Postman collection', () => {
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

  const keysOf = (pipelineId: string, as = who.owner) =>
    call(server, 'GET', `${base}/api/keys/pipeline/${pipelineId}/`, { as });

  describe('api/keys/pipeline/{pipeline_id}/', () => {
    it('lists (a bare array) and creates keys whose value is a UUID', async () => {
      const p = await createPipeline(server, who.owner, 'keys-1');
      const created = await call(server, 'POST', `${base}/api/keys/pipeline/${p.id}/`, {
        as: who.owner,
        json: { description: 'second', is_active: false },
      });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.any(String),
        created_at: expect.any(String),
        modified_at: expect.any(String),
        api_key: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
        is_active: false,
        description: 'second',
        api: null,
        pipeline: p.id,
      });
      const list = await keysOf(p.id);
      expect(list.status).toBe(200);
      expect(Array.isArray(list.body)).toBe(true);
      expect(list.body.map((k: { description: string }) => k.description)).toEqual(['API Key for keys-1', 'second']);
      expect(list.body[1].api_key).toBe(created.body.api_key);
      expect((await call(server, 'POST', `${base}/api/keys/pipeline/${p.id}/`, { as: who.owner })).status).toBe(201);
    });

    it('refuses naming an API deployment as well ("Only one of api or pipeline")', async () => {
      const p = await createPipeline(server, who.owner, 'keys-both');
      const r = await call(server, 'POST', `${base}/api/keys/pipeline/${p.id}/`, {
        as: who.owner,
        json: { api: '00000000-0000-4000-8000-000000000000' },
      });
      expect(r.status).toBe(400);
      expect(r.body).toEqual({
        type: 'validation_error',
        errors: [
          {
            code: 'invalid',
            detail: 'Only one of `api` or `pipeline` should be set, not both.',
            attr: 'non_field_errors',
          },
        ],
      });
      const long = await call(server, 'POST', `${base}/api/keys/pipeline/${p.id}/`, {
        as: who.owner,
        json: { description: 'x'.repeat(256) },
      });
      expect(long.body.errors).toEqual([
        { code: 'max_length', detail: 'Ensure this field has no more than 255 characters.', attr: 'description' },
      ]);
    });

    it('answers 422 for the keys of an inactive pipeline, 404 "Pipeline not found" for a missing one', async () => {
      const p = await createPipeline(server, who.owner, 'keys-off');
      await call(server, 'PATCH', `${base}/pipeline/${p.id}/`, { as: who.owner, json: { active: false } });
      const off = await keysOf(p.id);
      expect(off.status).toBe(422);
      expect(off.body).toEqual({
        type: 'client_error',
        errors: [
          { code: 'error', detail: "Pipeline 'keys-off' is inactive, please activate the pipeline", attr: null },
        ],
      });
      const missing = await keysOf('00000000-0000-4000-8000-000000000000');
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({
        type: 'client_error',
        errors: [{ code: 'error', detail: 'Pipeline not found', attr: null }],
      });
      expect((await keysOf('junk')).status).toBe(404);
    });

    it('is for the owner: 403 for a shared user or org-wide reader, 404 for an outsider, 403 for another org', async () => {
      const p = await createPipeline(server, who.owner, 'keys-perm');
      await call(server, 'POST', `${base}/pipeline/${p.id}/share/`, {
        as: who.owner,
        json: { shared_users: [who.shared.id], shared_to_org: true },
      });
      for (const as of [who.shared, who.member]) {
        expect((await keysOf(p.id, as)).status).toBe(403);
        expect((await call(server, 'POST', `${base}/api/keys/pipeline/${p.id}/`, { as })).status).toBe(403);
      }
      const hidden = await createPipeline(server, who.owner, 'keys-hidden');
      expect((await keysOf(hidden.id, who.outsider)).status).toBe(404);
      expect((await call(server, 'POST', `${base}/api/keys/pipeline/${hidden.id}/`, { as: who.outsider })).status).toBe(
        404,
      );
      expect((await keysOf(p.id, who.foreign)).body).toEqual({ message: 'Organization access denied' });
      expect((await keysOf(p.id, server.admin)).status).toBe(200);
    });

    it('OPTIONS describes the key fields', async () => {
      const p = await createPipeline(server, who.owner, 'keys-options');
      const r = await call(server, 'OPTIONS', `${base}/api/keys/pipeline/${p.id}/`, { as: who.owner });
      expect(r.status).toBe(200);
      expect(r.body.name).toBe('API Key List');
      expect(r.body.actions.POST.description).toEqual({
        type: 'string',
        required: false,
        read_only: false,
        label: 'Description',
        max_length: 255,
      });
      expect(r.body.actions.POST.is_active).toEqual({
        type: 'boolean',
        required: false,
        read_only: false,
        label: 'Is active',
      });
      expect(Object.keys(r.body.actions.POST).sort()).toEqual(['api', 'description', 'is_active', 'pipeline']);
    });
  });

  describe('api/keys/{id}/', () => {
    it('reads, updates and deletes a key (owner of the pipeline)', async () => {
      const p = await createPipeline(server, who.owner, 'key-one');
      const key = (await keysOf(p.id)).body[0];
      const got = await call(server, 'GET', `${base}/api/keys/${key.id}/`, { as: who.owner });
      expect(got.body).toEqual(key);
      const put = await call(server, 'PUT', `${base}/api/keys/${key.id}/`, {
        as: who.owner,
        json: { description: 'renamed', is_active: false },
      });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ id: key.id, description: 'renamed', is_active: false });
      const del = await call(server, 'DELETE', `${base}/api/keys/${key.id}/`, { as: who.owner });
      expect(del.status).toBe(204);
      const gone = await call(server, 'GET', `${base}/api/keys/${key.id}/`, { as: who.owner });
      expect(gone.status).toBe(404);
      expect(gone.body.errors[0].detail).toBe('API key not found.');
    });

    it('hides keys from others and never serves personal keys here', async () => {
      const p = await createPipeline(server, who.owner, 'key-perm');
      await call(server, 'POST', `${base}/pipeline/${p.id}/share/`, {
        as: who.owner,
        json: { shared_users: [who.shared.id] },
      });
      const key = (await keysOf(p.id)).body[0];
      expect((await call(server, 'GET', `${base}/api/keys/${key.id}/`, { as: who.shared })).status).toBe(403);
      expect(
        (await call(server, 'PUT', `${base}/api/keys/${key.id}/`, { as: who.shared, json: { is_active: false } }))
          .status,
      ).toBe(403);
      expect((await call(server, 'DELETE', `${base}/api/keys/${key.id}/`, { as: who.shared })).status).toBe(403);
      expect((await call(server, 'GET', `${base}/api/keys/${key.id}/`, { as: who.outsider })).status).toBe(404);
      expect((await call(server, 'GET', `${base}/api/keys/${key.id}/`, { as: who.foreign })).status).toBe(403);
      const personal = await server.core.apiKeys.listPersonalKeys(who.owner.actor);
      expect((await call(server, 'GET', `${base}/api/keys/${personal[0]!.id}/`, { as: who.owner })).status).toBe(404);
    });
  });

  describe('POST /deployment/pipeline/api/{org_id}/{pipeline_id}/', () => {
    const deployment = (pipelineId: string) => `/deployment/pipeline/api/${server.org.slug}/${pipelineId}/`;

    it('triggers a run with the pipeline key', async () => {
      const p = await createPipeline(server, who.owner, 'public-1');
      const key = (await keysOf(p.id)).body[0].api_key;
      const r = await call(server, 'POST', deployment(p.id), { credential: key });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        message: "Triggered pipeline 'public-1'",
        pipeline_id: p.id,
        execution_id: expect.any(String),
      });
      const run = await server.core.runs.get(serviceActor(server), r.body.execution_id);
      expect(run.toState().trigger).toBe('public');
      await settleRun(server.core, serviceActor(server), run.id);
    });

    it('accepts multipart files', async () => {
      const p = await createPipeline(server, who.owner, 'public-files');
      const key = (await keysOf(p.id)).body[0].api_key;
      const form = new FormData();
      form.append('files', new Blob(['a,b\n1,2\n'], { type: 'text/csv' }), 'data.csv');
      const r = await call(server, 'POST', deployment(p.id), { credential: key, body: form });
      expect(r.status).toBe(200);
      await settleRun(server.core, serviceActor(server), r.body.execution_id);
    });

    it('answers 403 "Missing api key" without a Bearer header, 401 for a bad, inactive or foreign key', async () => {
      const p = await createPipeline(server, who.owner, 'public-auth');
      const other = await createPipeline(server, who.owner, 'public-other');
      const missing = await call(server, 'POST', deployment(p.id), { as: null });
      expect(missing.status).toBe(403);
      expect(missing.body).toEqual({
        type: 'client_error',
        errors: [{ code: 'error', detail: 'Missing api key', attr: null }],
      });
      expect(
        (await call(server, 'POST', deployment(p.id), { as: null, headers: { authorization: 'Token abc' } })).status,
      ).toBe(403);
      const unauthorized = { type: 'client_error', errors: [{ code: 'error', detail: 'Unauthorized', attr: null }] };
      const bad = await call(server, 'POST', deployment(p.id), { credential: '00000000-0000-4000-8000-000000000000' });
      expect(bad.status).toBe(401);
      expect(bad.body).toEqual(unauthorized);
      // A platform credential is not a pipeline key.
      expect((await call(server, 'POST', deployment(p.id), { credential: who.owner.apiKey })).status).toBe(401);
      // Another pipeline's key, or this key under another org's path.
      const otherKey = (await keysOf(other.id)).body[0].api_key;
      expect((await call(server, 'POST', deployment(p.id), { credential: otherKey })).status).toBe(401);
      const key = (await keysOf(p.id)).body[0];
      expect(
        (
          await call(server, 'POST', `/deployment/pipeline/api/${who.foreignSlug}/${p.id}/`, {
            credential: key.api_key,
          })
        ).status,
      ).toBe(401);
      await call(server, 'PUT', `${base}/api/keys/${key.id}/`, { as: who.owner, json: { is_active: false } });
      const inactive = await call(server, 'POST', deployment(p.id), { credential: key.api_key });
      expect(inactive.status).toBe(401);
      expect(inactive.body).toEqual(unauthorized);
    });

    it('answers 422 for an inactive pipeline', async () => {
      const p = await createPipeline(server, who.owner, 'public-off');
      const key = (await keysOf(p.id)).body[0].api_key;
      await call(server, 'PATCH', `${base}/pipeline/${p.id}/`, { as: who.owner, json: { active: false } });
      const r = await call(server, 'POST', deployment(p.id), { credential: key });
      expect(r.status).toBe(422);
      expect(r.body.errors[0].detail).toBe("Pipeline 'public-off' is inactive, please activate the pipeline");
    });
  });

  describe('GET pipeline/api/postman_collection/{id}/', () => {
    it('serves a Postman v2.1 collection calling the public route with the active key', async () => {
      const p = await createPipeline(server, who.owner, 'postman-1');
      const key = (await keysOf(p.id)).body[0].api_key;
      const r = await call(server, 'GET', `${base}/pipeline/api/postman_collection/${p.id}/`, { as: who.owner });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-disposition')).toMatch(/^attachment; filename="?postman-1\.json"?$/);
      expect(r.headers.get('content-type')).toMatch(/^application\/json/);
      expect(r.body).toEqual({
        info: {
          name: 'postman-1',
          schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json',
          description: '',
        },
        item: [
          {
            name: 'Process pipeline',
            request: {
              method: 'POST',
              url: `${server.baseUrl}/deployment/pipeline/api/${server.org.slug}/${p.id}/`,
              header: [{ key: 'Authorization', value: `Bearer ${key}` }],
              body: { formdata: [], mode: 'formdata' },
            },
          },
        ],
        variable: [],
      });
    });

    it('answers 400 when the pipeline has no active key, 403/404 to non-owners', async () => {
      const p = await createPipeline(server, who.owner, 'postman-none');
      const key = (await keysOf(p.id)).body[0];
      await call(server, 'PUT', `${base}/api/keys/${key.id}/`, { as: who.owner, json: { is_active: false } });
      const r = await call(server, 'GET', `${base}/pipeline/api/postman_collection/${p.id}/`, { as: who.owner });
      expect(r.status).toBe(400);
      expect(r.body).toEqual({
        type: 'client_error',
        errors: [{ code: 'error', detail: 'No active API keys configured for postman-none', attr: null }],
      });
      await call(server, 'POST', `${base}/pipeline/${p.id}/share/`, {
        as: who.owner,
        json: { shared_users: [who.shared.id] },
      });
      expect(
        (await call(server, 'GET', `${base}/pipeline/api/postman_collection/${p.id}/`, { as: who.shared })).status,
      ).toBe(403);
      expect(
        (await call(server, 'GET', `${base}/pipeline/api/postman_collection/${p.id}/`, { as: who.outsider })).status,
      ).toBe(404);
    });

    it('runs with newman against the server', async () => {
      const p = await createPipeline(server, who.owner, 'postman-newman');
      const r = await call(server, 'GET', `${base}/pipeline/api/postman_collection/${p.id}/`, { as: who.owner });
      const dir = mkdtempSync(join(tmpdir(), 'unstract-newman-'));
      try {
        writeFileSync(join(dir, 'collection.json'), JSON.stringify(r.body));
        const result = await newman(join(dir, 'collection.json'), join(dir, 'report.json'));
        expect({ code: result.code, output: result.code === 0 ? '' : result.output }).toEqual({ code: 0, output: '' });
        const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
        expect(report.run.failures).toEqual([]);
        expect(report.run.executions).toHaveLength(1);
        const response = report.run.executions[0].response;
        expect(response.code).toBe(200);
        const body = JSON.parse(Buffer.from(response.stream.data).toString('utf8'));
        expect(body.message).toBe("Triggered pipeline 'postman-newman'");
        await settleRun(server.core, serviceActor(server), body.execution_id);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 60_000);
  });
});
