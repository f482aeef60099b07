import { conformanceCounts, type JestReport } from '../src/cli/conformance-summary.js';
import { conformanceJestConfig } from '../src/cli/conformance-config.js';

const test = (ancestorTitles: string[], status = 'passed') => ({ ancestorTitles, status });

describe('pipewright-conformance summary', () => {
  it('counts the checks and the areas of the kit, and nothing else in the report', () => {
    const report: JestReport = {
      numPassedTests: 4,
      numFailedTests: 1,
      numPendingTests: 0,
      testResults: [
        {
          assertionResults: [
            test(['storage conformance: mine', 'organizations']),
            test(['storage conformance: mine', 'organizations', 'slugs'], 'failed'),
            test(['storage conformance: mine', 'runs']),
            test(['my own tests', 'something']),
            test(['storage conformance: mine']),
          ],
        },
      ],
    };
    expect(conformanceCounts(report)).toEqual({ checks: 3, passed: 4, failed: 1, skipped: 0, areas: 2 });
  });

  it('points jest at the shipped TypeScript transform and the conformance test files', () => {
    const config = conformanceJestConfig('/project');
    expect(config.rootDir).toBe('/project');
    expect(String(Object.values(config.transform as Record<string, string>)[0])).toMatch(
      /storage-conformance\/jest\/strip-types\.cjs$/,
    );
    expect(config.testMatch).toEqual(['**/?(*.)conformance.test.{ts,js,mjs}']);
  });
});
