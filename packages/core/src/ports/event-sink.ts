import type { RunStatus } from '../domain/run.js';

export type DomainEvent =
  | { type: 'run.started'; runId: string; pipelineId: string | null; orgId: string; at: Date }
  | { type: 'run.finished'; runId: string; pipelineId: string | null; orgId: string; status: RunStatus; at: Date }
  /** An attempt failed with a retryable error; attempt `attempt` follows after `delayMs`. */
  | {
      type: 'run.retrying';
      runId: string;
      pipelineId: string | null;
      orgId: string;
      attempt: number;
      delayMs: number;
      at: Date;
    }
  | { type: 'pipeline.changed'; pipelineId: string; orgId: string; at: Date }
  | { type: 'pipeline.deleted'; pipelineId: string; orgId: string; at: Date };

/** Receives domain events after their transaction committed (webhooks, metrics). */
export interface EventSink {
  publish(event: DomainEvent): void;
}

export const noEvents: EventSink = { publish() {} };
