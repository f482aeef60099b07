import { request } from 'node:http';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { api, call, createPipeline, createWorkflow } from './unstract-support.js';

/** A raw request (any Host header, any bytes in the body). */
function raw(
  server: TestServer,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<{ status: number; body: any }> {
  const url = new URL(server.baseUrl + path);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : null });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

// Issue 27 (lows): control characters in upload names, and absolute links that never follow an arbitrary Host.
describe('unstract hygiene: upload names and the Postman collection URL', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { allowedHosts: ['pipes.internal:8443'] } });
  });
  afterAll(() => server.close());

  it('answers 400 in the Unstract shape for a NUL or control character in an upload file name, and starts no run', async () => {
    const wf = await createWorkflow(server, server.admin, 'nul-names', {
      source_settings: { connector: 'upload', settings: {} },
    });
    // RFC 5987 names (`filename*`) are decoded by the parser: the control character arrives in the name.
    for (const name of ['a%00b.ndjson', 'line%07.ndjson', 'esc%1B%5B31m.ndjson', 'tab%09.ndjson']) {
      const boundary = '----nul';
      const body = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="workflow_id"\r\n\r\n${wf.id}\r\n`),
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename*=UTF-8''${name}\r\nContent-Type: application/x-ndjson\r\n\r\n{"a":1}\n\r\n--${boundary}--\r\n`,
        ),
      ]);
      const r = await raw(
        server,
        'POST',
        `${api(server.org.slug)}/workflow/execute/`,
        {
          authorization: `Bearer ${server.admin.apiKey}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(body.length),
        },
        body,
      );
      expect([name, r.status]).toEqual([name, 400]);
      expect(r.body).toEqual({
        type: 'validation_error',
        errors: [
          { code: 'invalid', detail: 'A file name may not contain NUL or other control characters.', attr: 'files' },
        ],
      });
    }
    const runs = await call(server, 'GET', `${api(server.org.slug)}/workflow/execution/?workflow_id=${wf.id}`);
    expect(runs.body.count ?? runs.body.results?.length ?? 0).toBe(0);
  });

  it('builds the Postman URL on an allowed or loopback Host only, else leaves the base to a variable', async () => {
    const p = await createPipeline(server, server.admin, 'postman-hosts');
    const path = `${api(server.org.slug)}/pipeline/api/postman_collection/${p.id}/`;
    const auth = { authorization: `Bearer ${server.admin.apiKey}` };
    const evil = await raw(server, 'GET', path, { ...auth, host: 'evil.example' });
    expect(evil.status).toBe(200);
    expect(evil.body.item[0].request.url).toBe(`{{base_url}}/deployment/pipeline/api/${server.org.slug}/${p.id}/`);
    expect(evil.body.variable).toEqual([{ key: 'base_url', value: '', type: 'string' }]);
    expect(JSON.stringify(evil.body)).not.toContain('evil.example');
    const allowed = await raw(server, 'GET', path, { ...auth, host: 'pipes.internal:8443' });
    expect(allowed.body.item[0].request.url).toBe(
      `http://pipes.internal:8443/deployment/pipeline/api/${server.org.slug}/${p.id}/`,
    );
    expect(allowed.body.variable).toEqual([]);
  });

  it('builds next/previous on an allowed or loopback Host only, else relative links (path and query)', async () => {
    for (const name of ['pages-a', 'pages-b', 'pages-c']) await createPipeline(server, server.admin, name);
    const path = `${api(server.org.slug)}/pipeline/?page_size=1&page=2`;
    const auth = { authorization: `Bearer ${server.admin.apiKey}` };
    const evil = await raw(server, 'GET', path, { ...auth, host: 'evil.example' });
    expect(evil.status).toBe(200);
    expect(evil.body.next).toBe(`${api(server.org.slug)}/pipeline/?page=3&page_size=1`);
    expect(evil.body.previous).toBe(`${api(server.org.slug)}/pipeline/?page_size=1`);
    expect(JSON.stringify(evil.body)).not.toContain('evil.example');
    const allowed = await raw(server, 'GET', path, { ...auth, host: 'pipes.internal:8443' });
    expect(allowed.body.next).toBe(`http://pipes.internal:8443${api(server.org.slug)}/pipeline/?page=3&page_size=1`);
    const loopback = await call(server, 'GET', path);
    expect(loopback.body.previous).toBe(`${server.baseUrl}${api(server.org.slug)}/pipeline/?page_size=1`);
  });
});

describe('unstract hygiene: links on the configured public URL', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { publicUrl: 'https://pipes.example.com' } });
  });
  afterAll(() => server.close());

  it('builds next on the public URL whatever the Host header says', async () => {
    for (const name of ['public-a', 'public-b']) await createPipeline(server, server.admin, name);
    const r = await raw(server, 'GET', `${api(server.org.slug)}/pipeline/?page_size=1`, {
      authorization: `Bearer ${server.admin.apiKey}`,
      host: 'evil.example',
    });
    expect(r.body.next).toBe(`https://pipes.example.com${api(server.org.slug)}/pipeline/?page=2&page_size=1`);
  });
});
