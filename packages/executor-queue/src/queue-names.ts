/** The pg-boss queue runs are enqueued on. */
export const RUN_QUEUE = 'pipewright-runs';
/** The Postgres channel a cancel is announced on (payload: the run id). */
export const CANCEL_CHANNEL = 'pipewright_run_cancel';

/** What a job carries: only the run's id; the run itself is read from storage. */
export interface RunJobData {
  runId: string;
}
