import { startTestServer, type TestServer } from '../support/test-server.js';
import { createPipeline, errorBody, expectError, jsonOf, rawRequest } from './meergo-support.js';

const MISSING_WORKSPACE =
  "Meergo-Workspace header is missing; provide it in the format 'Meergo-Workspace: <WORKSPACE_ID>'";
const INVALID_WORKSPACE =
  "Meergo-Workspace header is invalid; it should be in the format 'Meergo-Workspace: <WORKSPACE_ID>'";
const MALFORMED = "Authorization header is invalid; it should be in the format 'Authorization: Bearer <YOUR_API_KEY>'";
const NOT_AN_API_KEY = "API key in the Authorization header of the request is not valid; API keys start with 'api_'";
const UNKNOWN_KEY = 'API key in the Authorization header of the request does not exist';

// Meergo authentication: api_ personal keys select their organization; access tokens need Meergo-Workspace.
describe('meergo authentication and workspace selection', () => {
  let server: TestServer;
  let other: Awaited<ReturnType<TestServer['organization']>>;
  let acmePipeline: number;
  let otherPipeline: number;

  beforeAll(async () => {
    server = await startTestServer();
    other = await server.organization('meergo-other');
    // The acme admin is also an admin of the other organization (so sees all of its pipelines).
    await server.core.admin.addMember(other.admin.actor, { userId: server.admin.id, role: 'admin' });
    acmePipeline = (await createPipeline(server, server.admin)).seq;
    otherPipeline = (await createPipeline(server, other.admin)).seq;
  });
  afterAll(() => server.close());

  const get = (path: string, headers: Record<string, string>) => server.fetch(path, { headers });

  describe('the Authorization header', () => {
    it('is required: 401 when absent', async () => {
      await expectError(
        await get('/v1/pipelines/runs', {}),
        401,
        'Unauthorized',
        'Authorization header with the API key is not present in the request',
      );
    });

    it.each([['Basic abc'], ['Bearer '], [`bearer ${'api_' + 'a'.repeat(43)}`], ['Bearer']])(
      'is 400 when malformed: %j',
      async (header) => {
        await expectError(await get('/v1/pipelines/runs', { authorization: header }), 400, 'BadRequest', MALFORMED);
      },
    );

    it('is 400 without the api_ prefix (pipeline keys and other strings)', async () => {
      await expectError(
        await get('/v1/pipelines/runs', { authorization: 'Bearer not-a-key' }),
        400,
        'BadRequest',
        NOT_AN_API_KEY,
      );
      const pipelineKey = '0b4c5f2e-7a61-4d0c-9d7e-0d6a1f3c2b19';
      await expectError(
        await get('/v1/pipelines/runs', { authorization: `Bearer ${pipelineKey}` }),
        400,
        'BadRequest',
        NOT_AN_API_KEY,
      );
    });

    it('is 401 for a key that does not exist, is malformed after the prefix, or was revoked', async () => {
      await expectError(
        await get('/v1/pipelines/runs', { authorization: `Bearer api_${'Z'.repeat(43)}` }),
        401,
        'Unauthorized',
        UNKNOWN_KEY,
      );
      await expectError(
        await get('/v1/pipelines/runs', { authorization: 'Bearer api_short' }),
        401,
        'Unauthorized',
        UNKNOWN_KEY,
      );
      const user = await server.user();
      const [key] = await server.core.apiKeys.listPersonalKeys(user.actor);
      await server.core.apiKeys.deletePersonalKey(user.actor, key!.id);
      await expectError(
        await get('/v1/pipelines/runs', { authorization: `Bearer ${user.apiKey}` }),
        401,
        'Unauthorized',
        UNKNOWN_KEY,
      );
    });

    it('is 401 for an invalid access token', async () => {
      await expectError(
        await get('/v1/pipelines/runs', {
          authorization: 'Bearer aaa.bbb.ccc',
          'meergo-workspace': String(server.org.seq),
        }),
        401,
        'Unauthorized',
        'access token in the Authorization header of the request is not valid or has expired',
      );
    });
  });

  describe('personal keys are bound to their organization', () => {
    it('select it without a Meergo-Workspace header', async () => {
      const res = await get(`/v1/pipelines/${acmePipeline}`, { authorization: `Bearer ${server.admin.apiKey}` });
      expect((await jsonOf(res)).id).toBe(acmePipeline);
    });

    it('ignore Meergo-Workspace, even one naming another workspace or an invalid one', async () => {
      for (const ws of [String(other.seq), 'not-a-number', '999999']) {
        const res = await get(`/v1/pipelines/${acmePipeline}`, {
          authorization: `Bearer ${server.admin.apiKey}`,
          'meergo-workspace': ws,
        });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
      // …so another workspace's pipeline stays out of reach.
      const res = await get(`/v1/pipelines/${otherPipeline}`, {
        authorization: `Bearer ${server.admin.apiKey}`,
        'meergo-workspace': String(other.seq),
      });
      await expectError(res, 404, 'NotFound', `pipeline ${otherPipeline} does not exist`);
    });
  });

  describe('access tokens are unrestricted and need Meergo-Workspace', () => {
    const bearer = () => `Bearer ${server.admin.token}`;

    it('403 when the header is missing', async () => {
      await expectError(
        await get('/v1/pipelines/runs', { authorization: bearer() }),
        403,
        'Forbidden',
        MISSING_WORKSPACE,
      );
    });

    it.each([['abc'], ['0'], ['+1'], ['-1'], ['1.5'], [''], ['2147483648']])(
      '400 for an invalid value %j',
      async (ws) => {
        await expectError(
          await get('/v1/pipelines/runs', { authorization: bearer(), 'meergo-workspace': ws }),
          400,
          'BadRequest',
          INVALID_WORKSPACE,
        );
      },
    );

    it('400 for two Meergo-Workspace headers', async () => {
      const res = await rawRequest(server.baseUrl, {
        method: 'GET',
        path: '/v1/pipelines/runs',
        headers: {
          authorization: bearer(),
          'meergo-workspace': [String(server.org.seq), String(other.seq)] as unknown as string,
        },
      });
      expect(res.body).toBe(errorBody('BadRequest', 'request contains multiple Meergo-Workspace headers'));
    });

    it('404 for a workspace that does not exist, or one the user is not a member of', async () => {
      await expectError(
        await get('/v1/pipelines/runs', { authorization: bearer(), 'meergo-workspace': '2147483647' }),
        404,
        'NotFound',
        'workspace 2147483647 does not exist',
      );
      const outsider = await server.user();
      await expectError(
        await get('/v1/pipelines/runs', {
          authorization: `Bearer ${outsider.token}`,
          'meergo-workspace': String(other.seq),
        }),
        404,
        'NotFound',
        `workspace ${other.seq} does not exist`,
      );
    });

    it('selects the named workspace among the user’s', async () => {
      const inOther = await get(`/v1/pipelines/${otherPipeline}`, {
        authorization: bearer(),
        'meergo-workspace': String(other.seq),
      });
      expect((await jsonOf(inOther)).id).toBe(otherPipeline);
      const inAcme = await get(`/v1/pipelines/${otherPipeline}`, {
        authorization: bearer(),
        'meergo-workspace': String(server.org.seq),
      });
      await expectError(inAcme, 404, 'NotFound', `pipeline ${otherPipeline} does not exist`);
      const leadingZeros = await get(`/v1/pipelines/${acmePipeline}`, {
        authorization: bearer(),
        'meergo-workspace': `00${server.org.seq}`,
      });
      expect(leadingZeros.status).toBe(200);
      await leadingZeros.arrayBuffer();
    });
  });
});
