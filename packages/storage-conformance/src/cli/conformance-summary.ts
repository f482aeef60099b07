/** The parts of jest's `--json` report the summary reads. */
export interface JestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  testResults: Array<{ assertionResults: Array<{ ancestorTitles: string[]; status: string }> }>;
}

export interface ConformanceCounts {
  checks: number;
  passed: number;
  failed: number;
  skipped: number;
  /** Top-level areas of the kit (one storage, so one factory call, each). */
  areas: number;
}

/** Counts the kit's checks and areas in a jest report (titles under `storage conformance: <adapter>`). */
export function conformanceCounts(report: JestReport): ConformanceCounts {
  const areas = new Set<string>();
  let checks = 0;
  for (const file of report.testResults)
    for (const test of file.assertionResults) {
      const [root, area] = test.ancestorTitles;
      if (!root?.startsWith('storage conformance: ') || !area) continue;
      checks++;
      areas.add(`${root}\u0000${area}`);
    }
  return {
    checks,
    passed: report.numPassedTests,
    failed: report.numFailedTests,
    skipped: report.numPendingTests,
    areas: areas.size,
  };
}
