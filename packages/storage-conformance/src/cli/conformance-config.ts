import { fileURLToPath } from 'node:url';

/**
 * The jest configuration the `pipewright-conformance` runner uses in an adapter's project:
 * test files named `*.conformance.test.{ts,js,mjs}` (or `conformance.test.*`), TypeScript
 * run as ESM through Node's type stripping, and `./x.js` imports resolved to `./x.ts`.
 */
export function conformanceJestConfig(rootDir: string): Record<string, unknown> {
  const stripTypes = fileURLToPath(new URL('../../jest/strip-types.cjs', import.meta.url));
  return {
    rootDir,
    testEnvironment: 'node',
    testMatch: ['**/?(*.)conformance.test.{ts,js,mjs}'],
    testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    extensionsToTreatAsEsm: ['.ts'],
    transform: { '^.+\\.ts$': stripTypes },
    moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
    // The kit's own setup waits up to 60 s for a factory; a single check gets 30 s.
    testTimeout: 30_000,
  };
}
