import { startTestServer, type TestServer } from '../support/test-server.js';
import { api, call, createPipeline } from './unstract-support.js';

// Behind a proxy, links and the Postman collection use the configured public URL.
describe('unstract links behind a proxy (PIPEWRIGHT_PUBLIC_URL)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { publicUrl: 'https://pipes.example.com' } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('builds next/previous links and the Postman request URL on the public URL', async () => {
    const base = api(server.org.slug);
    const p = await createPipeline(server, server.admin, 'proxy-1');
    await createPipeline(server, server.admin, 'proxy-2');
    const first = await call(server, 'GET', `${base}/pipeline/?page_size=1&search=proxy`);
    expect(first.body.next).toBe(`https://pipes.example.com${base}/pipeline/?page=2&page_size=1&search=proxy`);
    const second = await call(server, 'GET', `${base}/pipeline/?page_size=1&search=proxy&page=2`);
    expect(second.body.previous).toBe(`https://pipes.example.com${base}/pipeline/?page_size=1&search=proxy`);
    const postman = await call(server, 'GET', `${base}/pipeline/api/postman_collection/${p.id}/`);
    expect(postman.body.item[0].request.url).toBe(
      `https://pipes.example.com/deployment/pipeline/api/${server.org.slug}/${p.id}/`,
    );
  });
});
