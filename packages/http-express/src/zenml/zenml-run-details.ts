import { STAGES, type LogLevel, type Run, type RunLog } from '@pipewright/core';
import { ZENML_STATUS } from './zenml-status.js';
import type { View } from './zenml-views.js';

/**
 * A run's DAG and log lines in ZenML's models. Pipewright runs have no ZenML steps: the six
 * stages every record passes through stand for them, in order. Records stream through all
 * stages at once, so every stage node has the run's status; `passed`/`failed` say how many
 * records each stage let through or refused.
 */
export function runDagView(run: Run): View {
  const status = ZENML_STATUS[run.status];
  const nodes = STAGES.map((stage, i) => ({
    node_id: `step/${stage}`,
    type: 'step',
    id: null,
    name: stage,
    metadata: {
      status,
      passed: run.stages.passed[i] ?? 0,
      failed: run.stages.failed[i] ?? 0,
      start_time: run.startedAt?.toISOString() ?? null,
      end_time: run.endedAt?.toISOString() ?? null,
    },
  }));
  const edges = STAGES.slice(1).map((stage, i) => ({
    source: `step/${STAGES[i]}`,
    target: `step/${stage}`,
    metadata: {},
  }));
  return { id: run.id, status, nodes, edges };
}

/** Python's logging levels, as ZenML's LoggingLevels serializes them. */
const PY_LEVEL: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 };

/** ZenML's LogEntry: the stage is the logger name. */
export function logEntryView(log: RunLog): View {
  return {
    id: log.id,
    message: log.message,
    name: log.stage,
    level: PY_LEVEL[log.level],
    timestamp: log.time.toISOString(),
    module: null,
    filename: null,
    lineno: null,
    chunk_index: 0,
    total_chunks: 1,
  };
}
