import type { RunStatus } from '../domain/run.js';

export type DomainEvent =
  | { type: 'run.started'; runId: string; pipelineId: string | null; orgId: string; at: Date }
  | { type: 'run.finished'; runId: string; pipelineId: string | null; orgId: string; status: RunStatus; at: Date }
  | { type: 'pipeline.changed'; pipelineId: string; orgId: string; at: Date }
  | { type: 'pipeline.deleted'; pipelineId: string; orgId: string; at: Date };

/** Receives domain events after their transaction committed (webhooks, metrics). */
export interface EventSink {
  publish(event: DomainEvent): void;
}

export const noEvents: EventSink = { publish() {} };
