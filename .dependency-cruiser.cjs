/**
 * Architecture rules, checked in CI (`npm run lint`): dependencies point inward.
 * core imports nothing of ours and no framework; adapters import core, never each other;
 * only apps/server knows every package.
 */
const adapters =
  'packages/(security|storage-memory|storage-kysely|scheduler-node-cron|engine|http-express|executor-queue)';

module.exports = {
  forbidden: [
    {
      name: 'core-is-pure',
      comment: 'core may import only its own files and node built-ins (no npm package, no other package of ours).',
      severity: 'error',
      from: { path: '^packages/core/src' },
      to: { pathNot: ['^packages/core/src', '^node:', '^(crypto|util)$'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'core-types-are-pure',
      comment: 'not even type imports from frameworks or adapters in core.',
      severity: 'error',
      from: { path: '^packages/core/src' },
      to: { path: ['node_modules', `^${adapters}`, '^apps/'] },
    },
    {
      name: 'adapters-do-not-import-each-other',
      severity: 'error',
      from: { path: `^${adapters}/src` },
      to: { path: `^${adapters}/src`, pathNot: ['^packages/$1/src'] },
    },
    {
      name: 'packages-do-not-import-apps',
      severity: 'error',
      from: { path: '^packages/[^/]+/src/' },
      to: { path: '^apps/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'types', 'default'] },
    exclude: { path: ['^(packages|apps)/[^/]+/dist/'] },
  },
};
