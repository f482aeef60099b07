import type { Core } from '@pipewright/core';
import { defaultRouteSets, loadConfig } from '@pipewright/server';
import { validate } from '@readme/openapi-parser';

// Each route set generates its OpenAPI document from its route declarations; a real validator checks them.
describe('OpenAPI documents', () => {
  const sets = defaultRouteSets(loadConfig({})).map((f) => f({ core: {} as Core, version: '0.1.0' }));

  it.each(sets.map((s) => [s.name, s] as const))('%s is a valid OpenAPI 3.1 document', async (_name, set) => {
    const result = await validate(structuredClone(set.openapi) as never);
    if (!result.valid) throw new Error(JSON.stringify(result.errors, null, 2));
    expect(set.openapi.openapi).toBe('3.1.0');
  });

  it('documents the native admin routes', () => {
    const native = sets.find((s) => s.name === 'native')!;
    expect(Object.keys(native.openapi.paths)).toEqual(
      expect.arrayContaining([
        '/admin/api/v1/me',
        '/admin/api/v1/organizations',
        '/admin/api/v1/organizations/{slug}/mode',
        '/admin/api/v1/users',
        '/admin/api/v1/api-keys',
        '/admin/api/v1/api-keys/{id}',
      ]),
    );
    const createUser = native.openapi.paths['/admin/api/v1/users']!.post as {
      requestBody: { content: Record<string, { schema: { $ref: string } }> };
    };
    expect(createUser.requestBody.content['application/json']!.schema.$ref).toBe('#/components/schemas/CreateUserDto');
    const schemas = (
      native.openapi.components as {
        schemas: Record<string, { properties: Record<string, unknown>; required?: string[] }>;
      }
    ).schemas;
    expect(schemas.CreateUserDto!.required).toEqual(['email']);
    // Pipelines with their retry policy, runs with their attempt.
    expect(Object.keys(native.openapi.paths)).toEqual(
      expect.arrayContaining(['/admin/api/v1/pipelines', '/admin/api/v1/pipelines/{id}', '/admin/api/v1/runs/{id}']),
    );
    expect(Object.keys(schemas.RetryPolicyDto!.properties)).toEqual([
      'maxAttempts',
      'backoffSeconds',
      'backoffMultiplier',
      'maxBackoffSeconds',
    ]);
  });
});
