import { STAGES, type FileCounters, type StageCounters } from '@pipewright/core';

/** Stage indexes, as in Meergo's passed[]/failed[] arrays. */
export const RECEIVE = 0;
export const INPUT_VALIDATION = 1;
export const FILTER = 2;
export const TRANSFORMATION = 3;
export const OUTPUT_VALIDATION = 4;
export const FINALIZE = 5;
export type StageIndex = 0 | 1 | 2 | 3 | 4 | 5;

/**
 * Passed and failed counts per stage, kept as records go. A tally with a parent counts
 * into it too (a file's tally into the run's), so progress is current mid-batch.
 */
export class StageTally {
  readonly passed = new Array<number>(STAGES.length).fill(0);
  readonly failed = new Array<number>(STAGES.length).fill(0);

  constructor(private readonly parent: StageTally | null = null) {}

  pass(stage: StageIndex, n = 1): void {
    this.passed[stage]! += n;
    this.parent?.pass(stage, n);
  }

  fail(stage: StageIndex, n = 1): void {
    this.failed[stage]! += n;
    this.parent?.fail(stage, n);
  }

  snapshot(): StageCounters {
    return { passed: [...this.passed], failed: [...this.failed] };
  }
}

/** Live progress of a run, read by the heartbeat. */
export class RunProgress {
  readonly stages = new StageTally();
  readonly files: FileCounters = { total: 0, ok: 0, failed: 0 };

  snapshot(): { stages: StageCounters; files: FileCounters } {
    return { stages: this.stages.snapshot(), files: { ...this.files } };
  }
}
