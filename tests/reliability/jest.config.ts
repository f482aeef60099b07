import type { Config } from 'jest';

// The reliability suite: real server processes against real Postgres. Same ts-jest ESM
// setup as the root config; one worker, because every file boots its own server(s).
const toRoot = '<rootDir>/../..';

const config: Config = {
  displayName: 'reliability',
  rootDir: '.',
  testMatch: ['<rootDir>/**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  testEnvironment: 'node',
  maxWorkers: 1,
  testTimeout: 120_000,
  moduleNameMapper: {
    '^@pipewright/storage-kysely/testing$': `${toRoot}/packages/storage-kysely/src/testing.ts`,
    '^@pipewright/server$': `${toRoot}/apps/server/src/index.ts`,
    '^@pipewright/([a-z-]+)$': `${toRoot}/packages/$1/src/index.ts`,
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: `${toRoot}/tsconfig.json` }],
  },
};

export default config;
