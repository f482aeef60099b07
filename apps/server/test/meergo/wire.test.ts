import { UnavailableError, type Core } from '@pipewright/core';
import { meergoRouteSet } from '@pipewright/http-express';
import express from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  createPipeline,
  errorBody,
  expectEmpty,
  expectError,
  jsonOf,
  rawRequest,
  type ErrorJson,
} from './meergo-support.js';

// Meergo's wire rules: body checks before authentication, exact error bytes, empty bodies.
describe('meergo wire format', () => {
  let server: TestServer;
  let key: string;

  beforeAll(async () => {
    server = await startTestServer();
    key = server.admin.apiKey;
  });
  afterAll(() => server.close());

  describe('body rules, checked before authentication', () => {
    it('refuses a GET with a body (no credentials needed to learn that)', async () => {
      const res = await rawRequest(server.baseUrl, {
        method: 'GET',
        path: '/v1/pipelines/runs',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(res.status).toBe(400);
      expect(res.body).toBe(errorBody('BadRequest', 'request body not allowed'));
    });

    it('refuses a DELETE with a chunked body, accepts an empty chunked one', async () => {
      const withBody = await rawRequest(server.baseUrl, {
        method: 'DELETE',
        path: '/v1/pipelines/1',
        body: 'x',
        chunked: true,
      });
      expect(withBody.body).toBe(errorBody('BadRequest', 'request body not allowed'));
      const empty = await rawRequest(server.baseUrl, { method: 'DELETE', path: '/v1/pipelines/1', chunked: true });
      expect(empty.body).toBe(
        errorBody('Unauthorized', 'Authorization header with the API key is not present in the request'),
      );
    });

    it.each([
      ['POST', '/v1/pipelines'],
      ['PUT', '/v1/pipelines/1'],
      ['PUT', '/v1/pipelines/1/status'],
      ['PUT', '/v1/pipelines/1/schedule'],
      ['POST', '/v1/pipelines/1/runs'],
      ['PUT', '/v1/warehouse/mode'],
    ])('%s %s without a body is 400 "request\'s body is missing"', async (method, path) => {
      await expectError(await server.fetch(path, { method }), 400, 'BadRequest', "request's body is missing");
      const chunkedEmpty = await rawRequest(server.baseUrl, {
        method,
        path,
        headers: { 'content-type': 'application/json' },
        chunked: true,
      });
      expect(chunkedEmpty.body).toBe(errorBody('BadRequest', "request's body is missing"));
    });

    it('needs application/json in UTF-8', async () => {
      const text = await rawRequest(server.baseUrl, {
        method: 'POST',
        path: '/v1/pipelines/1/runs',
        headers: { 'content-type': 'text/plain' },
        body: '{}',
      });
      expect(text.body).toBe(errorBody('BadRequest', "request's content type must be 'application/json'"));
      const latin = await rawRequest(server.baseUrl, {
        method: 'POST',
        path: '/v1/pipelines/1/runs',
        headers: { 'content-type': 'application/json; charset=iso-8859-1' },
        body: '{}',
      });
      expect(latin.body).toBe(errorBody('BadRequest', "request's content type charset must be 'utf-8'"));
    });

    it('limits the body to 500 KiB, by header and by what arrives', async () => {
      const big = JSON.stringify({ name: 'x'.repeat(500 * 1024) });
      const message = "request's content length must be in the range [1,512000]";
      const declared = await rawRequest(server.baseUrl, {
        method: 'POST',
        path: '/v1/pipelines',
        headers: { 'content-type': 'application/json' },
        body: big,
      });
      expect(declared.status).toBe(400);
      expect(declared.body).toBe(errorBody('BadRequest', message));
      const chunked = await rawRequest(server.baseUrl, {
        method: 'POST',
        path: '/v1/pipelines',
        headers: { 'content-type': 'application/json' },
        body: big,
        chunked: true,
      });
      expect(chunked.body).toBe(errorBody('BadRequest', message));
    });

    it('parses the JSON after authentication: bad JSON from an unknown caller is 401', async () => {
      const anonymous = await server.fetch('/v1/pipelines', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{nope',
      });
      expect(anonymous.status).toBe(401);
      const res = await server.fetch('/v1/pipelines', {
        method: 'POST',
        auth: key,
        headers: { 'content-type': 'application/json' },
        body: '{nope',
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as ErrorJson).error.message).toMatch(/^request's body is not valid JSON: /);
      await expectError(
        await server.fetch('/v1/pipelines', { method: 'POST', auth: key, json: [1] }),
        400,
        'BadRequest',
        "request's body must be a JSON object",
      );
    });
  });

  describe('responses', () => {
    it('answers JSON with a trailing newline and empty bodies for status, schedule, update, delete', async () => {
      const p = await createPipeline(server, server.admin);
      const got = await server.fetch(`/v1/pipelines/${p.seq}`, { auth: key });
      expect((await jsonOf(got)).id).toBe(p.seq);
      await expectEmpty(
        await server.fetch(`/v1/pipelines/${p.seq}/status`, { method: 'PUT', auth: key, json: { enabled: true } }),
      );
      await expectEmpty(
        await server.fetch(`/v1/pipelines/${p.seq}/schedule`, { method: 'PUT', auth: key, json: { period: '1h' } }),
      );
      await expectEmpty(
        await server.fetch(`/v1/pipelines/${p.seq}`, {
          method: 'PUT',
          auth: key,
          json: { name: p.name, enabled: true },
        }),
      );
      await expectEmpty(await server.fetch(`/v1/pipelines/${p.seq}`, { method: 'DELETE', auth: key }));
    });

    it('answers unknown /v1 paths with a Meergo 404', async () => {
      await expectError(await server.fetch('/v1/nothing-here', { auth: key }), 404, 'NotFound', 'not found');
    });

    it('never lets caches keep an answer', async () => {
      const res = await server.fetch('/v1/pipelines/runs', { auth: key });
      expect(res.headers.get('cache-control')).toBe('no-store, max-age=0');
      expect(res.headers.get('pragma')).toBe('no-cache');
      expect(res.headers.get('expires')).toBe('0');
      await res.arrayBuffer();
    });
  });

  describe('server-side failures', () => {
    // A route set over a core that fails in unexpected ways: the only way to reach 500/503.
    let app: Server;
    let base: string;
    const failures: { next: unknown } = { next: new Error('boom') };

    beforeAll(async () => {
      const core = {
        auth: {
          authenticate: async () => {
            throw failures.next;
          },
        },
      } as unknown as Core;
      const e = express();
      e.use(meergoRouteSet({ core }).router);
      app = createServer(e);
      await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    });
    afterAll(
      () =>
        new Promise<void>((resolve) => {
          app.close(() => resolve());
          app.closeAllConnections();
        }),
    );

    it('answers an unexpected error with plain-text 500 Internal Server Error', async () => {
      failures.next = new Error('boom');
      const res = await fetch(`${base}/v1/pipelines/runs`, {
        headers: { authorization: `Bearer api_${'a'.repeat(43)}` },
      });
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(await res.text()).toBe('Internal Server Error\n');
    });

    it('answers a lost database (storage says UnavailableError) with 503 ServiceUnavailable', async () => {
      failures.next = new UnavailableError('The database is unavailable; try again shortly.');
      const res = await fetch(`${base}/v1/pipelines/runs`, { headers: { authorization: 'Bearer a.b.c' } });
      await expectError(res, 503, 'ServiceUnavailable', 'The database is unavailable; try again shortly.');
    });
  });
});
