import { FILTER_LIMITS } from '@pipewright/http-express';
import { loadConfig } from '@pipewright/server';
import { startTestServer, type TestServer } from './support/test-server.js';

/** `name=value` `count` times (URL-encoded). */
const repeated = (name: string, count: number, value = (i: number) => `v${i}`) =>
  Array.from({ length: count }, (_, i) => `${name}=${encodeURIComponent(value(i))}`).join('&');

const tooManyValues = (parameter: string) =>
  `Too many values for the query parameter "${parameter}": at most ${FILTER_LIMITS.perParameter} per request.`;
const tooManyTerms = `Too many filter values in one request: at most ${FILTER_LIMITS.total} in all.`;
const tooLong = (parameter: string) =>
  `The value of the query parameter "${parameter}" is too long: at most ${FILTER_LIMITS.valueLength} characters.`;
const long = 'x'.repeat(FILTER_LIMITS.valueLength + 1);

// Every dialect's list routes refuse more filtering than the server's limits with a 422 in its own error shape.
describe('request limits: filter terms per list request', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const get = async (path: string, auth: string) => {
    const res = await server.fetch(path, { auth });
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as unknown };
  };

  describe('zenml', () => {
    const pipelines = (qs: string) => get(`/api/v1/pipelines?project=acme&${qs}`, server.admin.token);

    it('lists with as many terms as allowed', async () => {
      expect((await pipelines(repeated('tag', FILTER_LIMITS.perParameter))).status).toBe(200);
      expect(
        (
          await pipelines(
            `name=${encodeURIComponent(`oneof:${JSON.stringify(Array.from({ length: 20 }, (_, i) => `p${i}`))}`)}`,
          )
        ).status,
      ).toBe(200);
    });

    it('refuses one more value of a parameter, the request total, and a long value', async () => {
      expect(await pipelines(repeated('tag', FILTER_LIMITS.perParameter + 1))).toEqual({
        status: 422,
        type: expect.stringContaining('application/json'),
        body: { detail: ['ValueError', tooManyValues('tag')] },
      });
      const spread = [repeated('tag', 20), repeated('name', 20), repeated('user', 11)].join('&');
      expect(await pipelines(spread)).toMatchObject({ status: 422, body: { detail: ['ValueError', tooManyTerms] } });
      expect(await pipelines(`name=contains:${long}`)).toMatchObject({
        status: 422,
        body: { detail: ['ValueError', tooLong('name')] },
      });
    });

    it('counts each item of a oneof list as a term', async () => {
      const list = encodeURIComponent(`oneof:${JSON.stringify(Array.from({ length: 21 }, (_, i) => `p${i}`))}`);
      expect(await pipelines(`name=${list}`)).toMatchObject({
        status: 422,
        body: { detail: ['ValueError', tooManyValues('name')] },
      });
    });
  });

  describe('unstract', () => {
    it('answers a DRF validation body with status 422', async () => {
      const res = await get(`/api/v1/unstract/acme/pipeline/?${repeated('pipeline_name', 21)}`, server.admin.apiKey);
      expect(res).toEqual({
        status: 422,
        type: expect.stringContaining('application/json'),
        body: {
          type: 'validation_error',
          errors: [{ code: 'too_many_values', detail: tooManyValues('pipeline_name'), attr: 'pipeline_name' }],
        },
      });
      expect(await get(`/api/v1/unstract/acme/pipeline/?search=${long}`, server.admin.apiKey)).toMatchObject({
        status: 422,
        body: { type: 'validation_error', errors: [{ code: 'max_length', detail: tooLong('search'), attr: 'search' }] },
      });
    });
  });

  describe('meergo', () => {
    it('answers {"error": {code, message}} with status 422', async () => {
      expect(await get(`/v1/pipelines/runs?${repeated('status', 21)}`, server.admin.apiKey)).toEqual({
        status: 422,
        type: 'application/json; charset=utf-8',
        body: { error: { code: 'FilterLimitExceeded', message: tooManyValues('status') } },
      });
    });
  });

  describe('flow', () => {
    it('answers {"status": "ERROR", "msg"} with status 422', async () => {
      expect(await get(`/api/v1/flow/pipeline?${repeated('name', 21)}`, server.admin.apiKey)).toEqual({
        status: 422,
        type: expect.stringContaining('application/json'),
        body: { status: 'ERROR', msg: tooManyValues('name') },
      });
    });
  });

  describe('native', () => {
    it('answers problem+json with status 422', async () => {
      expect(await get(`/admin/api/v1/organizations/acme/connections?search=${long}`, server.admin.apiKey)).toEqual({
        status: 422,
        type: expect.stringContaining('application/problem+json'),
        body: {
          type: 'https://pipewright.dev/problems/filter-limit',
          title: 'Filter limit',
          status: 422,
          detail: tooLong('search'),
          code: 'FILTER_LIMIT',
          errors: [{ field: 'search', message: tooLong('search'), code: 'max_length' }],
        },
      });
      expect((await get(`/admin/api/v1/organizations/acme/connections?search=ok`, server.admin.apiKey)).status).toBe(
        200,
      );
    });
  });
});

describe('request limits: configuration', () => {
  it('reads the statement timeout (10 s) and the lists per organization (4); 0 turns each off', () => {
    expect(loadConfig({})).toMatchObject({ statementTimeoutMs: 10_000, listsPerOrganization: 4 });
    expect(loadConfig({ PIPEWRIGHT_STATEMENT_TIMEOUT_MS: '0', PIPEWRIGHT_LISTS_PER_ORG: '0' })).toMatchObject({
      statementTimeoutMs: 0,
      listsPerOrganization: 0,
    });
    expect(loadConfig({ PIPEWRIGHT_STATEMENT_TIMEOUT_MS: '2500', PIPEWRIGHT_LISTS_PER_ORG: '8' })).toMatchObject({
      statementTimeoutMs: 2500,
      listsPerOrganization: 8,
    });
    expect(() => loadConfig({ PIPEWRIGHT_STATEMENT_TIMEOUT_MS: '-1' })).toThrow(
      'PIPEWRIGHT_STATEMENT_TIMEOUT_MS must be an integer ≥ 0',
    );
  });
});
