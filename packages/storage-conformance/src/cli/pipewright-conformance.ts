#!/usr/bin/env node
// `pipewright-conformance [jest options…]`: runs the storage conformance kit's test files of the
// current project with the flags jest needs for ESM and TypeScript, then prints one summary line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conformanceJestConfig } from './conformance-config.js';
import { conformanceCounts, type JestReport } from './conformance-summary.js';

const jestBin = createRequire(import.meta.url).resolve('jest/bin/jest');
const dir = mkdtempSync(join(tmpdir(), 'pipewright-conformance-'));
const reportFile = join(dir, 'report.json');
const jest = spawnSync(
  process.execPath,
  [
    '--experimental-vm-modules',
    '--no-warnings=ExperimentalWarning',
    jestBin,
    '--config',
    JSON.stringify(conformanceJestConfig(process.cwd())),
    '--json',
    `--outputFile=${reportFile}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);
try {
  const counts = conformanceCounts(JSON.parse(readFileSync(reportFile, 'utf8')) as JestReport);
  console.log(
    `storage conformance: ${counts.checks} checks in ${counts.areas} areas: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`,
  );
} catch {
  // jest stopped before writing its report; its exit code and output say why
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(jest.status ?? 1);
