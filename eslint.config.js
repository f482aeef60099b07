// Type-aware rules that catch real bugs in this code base (unawaited promises, promises
// passed where a callback's result is ignored, non-exhaustive switches, focused tests).
// Style is Prettier's job, architecture the dependency rules' (.dependency-cruiser.cjs).
import jest from 'eslint-plugin-jest';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'examples/**',
      'bench/**',
      '**/bench/**',
      'scripts/**',
      '**/*.js',
      '**/*.cjs',
      '**/*.mjs',
    ],
  },
  {
    files: [
      'packages/*/src/**/*.ts',
      'packages/*/test/**/*.ts',
      'apps/*/src/**/*.ts',
      'apps/*/test/**/*.ts',
      'tests/**/*.ts',
    ],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin, jest },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      'jest/no-focused-tests': 'error',
      // A control character in a regex is usually a typo; where meant, the line says so.
      'no-control-regex': 'error',
    },
  },
);
