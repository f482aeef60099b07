import type { Config } from 'jest';

// One config, a project per package. Tests import sibling packages from source
// (moduleNameMapper), so `npm test` needs no build step.
const packages = ['core', 'storage-memory', 'storage-conformance', 'storage-kysely', 'engine'];

const shared = {
  extensionsToTreatAsEsm: ['.ts'],
  testEnvironment: 'node',
  moduleNameMapper: {
    '^@pipewright/([a-z-]+)$': '<rootDir>/../$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/../../tsconfig.json' }],
  },
} satisfies Config;

const config: Config = {
  projects: packages.map((name) => ({
    ...shared,
    displayName: name,
    rootDir: `<rootDir>/packages/${name}`,
    testMatch: ['<rootDir>/test/**/*.test.ts'],
  })),
};

export default config;
