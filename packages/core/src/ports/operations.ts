import type { Page, PageRequest } from './query.js';

/** One scheduled fire of one pipeline, as the scheduler's ledger recorded it. */
export interface ScheduleFire {
  fireAt: Date;
  /** fired, skipped, failed or missed (the scheduler's words). */
  outcome: string;
  reason: string | null;
  runId: string | null;
  /** The process that claimed the fire. */
  claimedBy: string;
  claimedAt: Date;
}

/** The read side of a scheduler's fire ledger, when the server runs a scheduler that keeps one. */
export interface ScheduleFireLedger {
  /** A pipeline's fires, newest first. */
  fires(pipelineId: string, page: PageRequest): Promise<Page<ScheduleFire>>;
}

/** One worker process of a run queue. */
export interface WorkerProcess {
  id: string;
  host: string;
  pid: number;
  concurrency: number;
  /** Runs it was executing at its last heartbeat. */
  running: number;
  /** Beat within the liveness window and did not stop. */
  alive: boolean;
  startedAt: Date;
  lastHeartbeatAt: Date;
  stoppedAt: Date | null;
}

/** The read side of a run queue's worker registry, when runs go through a queue. */
export interface WorkerDirectory {
  /** Worker processes heard of recently (the queue decides how recently), alive or not. */
  list(): Promise<WorkerProcess[]>;
}
