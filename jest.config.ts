import type { Config } from 'jest';

// One config, a project per package. Tests import sibling packages from source
// (moduleNameMapper), so `npm test` needs no build step.
const packages = [
  'core',
  'security',
  'storage-memory',
  'storage-conformance',
  'storage-kysely',
  'engine',
  'scheduler-node-cron',
  'http-express',
  'executor-queue',
];
const apps = ['server'];

function project(dir: string, name: string): Config {
  const root = `<rootDir>/${dir}/${name}`;
  const toRoot = '<rootDir>/../..';
  return {
    displayName: name,
    rootDir: root,
    testMatch: ['<rootDir>/test/**/*.test.ts'],
    extensionsToTreatAsEsm: ['.ts'],
    testEnvironment: 'node',
    moduleNameMapper: {
      '^@pipewright/storage-kysely/testing$': `${toRoot}/packages/storage-kysely/src/testing.ts`,
      '^@pipewright/server$': `${toRoot}/apps/server/src/index.ts`,
      '^@pipewright/([a-z-]+)$': `${toRoot}/packages/$1/src/index.ts`,
      '^(\\.{1,2}/.*)\\.js$': '$1',
    },
    transform: {
      '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: `${toRoot}/tsconfig.json` }],
    },
    // HTTP tests run on PGlite without TEST_DATABASE_URL: each file closes its instance.
    ...(name === 'server' ? { setupFilesAfterEnv: ['<rootDir>/test/support/close-pglite.ts'] } : {}),
  };
}

const config: Config = {
  // Hooks and tests open databases (PGlite starts in 1–6 s on a busy 2-core machine); jest's
  // 5 s default failed a beforeAll in CI. A test that needs more still says so itself.
  testTimeout: 30_000,
  projects: [...packages.map((p) => project('packages', p)), ...apps.map((a) => project('apps', a))],
};

export default config;
