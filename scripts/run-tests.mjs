// Runs the jest suite (all projects, or the arguments given) and closes with one
// plain summary line, "N passed, N failed, N skipped", that CI logs can be read by.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const out = join(tmpdir(), `pipewright-jest-${process.pid}.json`);
const jest = spawnSync(
  process.execPath,
  [
    '--experimental-vm-modules',
    '--no-warnings=ExperimentalWarning',
    'node_modules/jest/bin/jest.js',
    '--json',
    `--outputFile=${out}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);
let summary = 'tests: 0 passed, 0 failed';
try {
  const r = JSON.parse(readFileSync(out, 'utf8'));
  summary = `tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`;
  if (r.numTotalTests === 0) summary += ' (no test ran)';
  rmSync(out, { force: true });
} catch {
  // jest crashed before writing results; its exit code says so
}
console.log(summary);
process.exit(jest.status ?? 1);
