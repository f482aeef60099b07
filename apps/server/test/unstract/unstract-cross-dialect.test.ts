import { startTestServer, type TestServer } from '../support/test-server.js';
import { api, call, createPipeline, serviceActor } from './unstract-support.js';

// One domain, several dialects: a pipeline created through the Unstract routes is the same
// pipeline in the ZenML and Meergo routes.
describe('unstract pipelines in the other dialects', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('is visible through the ZenML and Meergo routes, and their changes show here', async () => {
    const p = await createPipeline(server, server.admin, 'cross-dialect', { cron_string: '0 6 * * *' });
    const zenml = await call(server, 'GET', `/api/v1/pipelines/${p.id}`, { credential: server.admin.token });
    expect(zenml.status).toBe(200);
    expect(zenml.body.name).toBe('cross-dialect');
    const seq = (await server.core.pipelines.get(serviceActor(server), p.id)).seq;
    const meergo = await call(server, 'GET', `/v1/pipelines/${seq}`, { credential: server.admin.apiKey });
    expect(meergo.status).toBe(200);
    expect(meergo.body.name).toBe('cross-dialect');
    // Disabled through Meergo, the pipeline is inactive here.
    expect(
      (
        await call(server, 'PUT', `/v1/pipelines/${seq}/status`, {
          credential: server.admin.apiKey,
          json: { enabled: false },
        })
      ).status,
    ).toBeLessThan(300);
    const here = await call(server, 'GET', `${api(server.org.slug)}/pipeline/${p.id}/`);
    expect(here.body).toMatchObject({ active: false, next_run_time: null });
  });
});
