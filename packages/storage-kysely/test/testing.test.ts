import { afterAll, describe, expect, it } from '@jest/globals';
import { assertTestDatabaseName, closeTestPglite, createTestDatabase } from '../src/testing.js';

afterAll(closeTestPglite);

describe('test databases', () => {
  it('refuse any name without "test"', () => {
    expect(() => assertTestDatabaseName('postgres')).toThrow(/Refusing/);
    expect(() => assertTestDatabaseName('pipewright')).toThrow(/Refusing/);
    expect(() => assertTestDatabaseName('pipewright_test_abc')).not.toThrow();
  });

  it('are fresh and apart: two PGlite test databases share nothing', async () => {
    const [a, b] = await Promise.all([
      createTestDatabase({ backend: 'pglite' }),
      createTestDatabase({ backend: 'pglite' }),
    ]);
    expect(a.options.schema).toMatch(/^pipewright_test_[0-9a-f]{12}$/);
    expect(a.options.schema).not.toBe(b.options.schema);
    const [sa, sb] = await Promise.all([a.open(), b.open()]);
    await sa.storage.organizations.nextSeq();
    await sa.storage.organizations.nextSeq();
    expect(await sb.storage.organizations.nextSeq()).toBe(1);
    await Promise.all([sa.close(), sb.close()]);
    await Promise.all([a.drop(), b.drop()]);
  }, 60_000);
});
