import type { Pipeline } from '@pipewright/core';

/**
 * A run's wall-clock limit: the pipeline's own (`runTimeoutSeconds`) capped by the operator's
 * maximum (`runTimeoutMs`), with the reason the run ends with; null when neither is set.
 */
export function runTimeLimit(
  operatorMaxMs: number | null,
  pipeline: Pick<Pipeline, 'runTimeoutSeconds'> | null,
): { ms: number; reason: string } | null {
  const own = pipeline?.runTimeoutSeconds ?? null;
  if (own !== null && (operatorMaxMs === null || own * 1000 < operatorMaxMs))
    return { ms: own * 1000, reason: `run timed out after ${own} s (the pipeline's limit)` };
  return operatorMaxMs ? { ms: operatorMaxMs, reason: `run timed out after ${operatorMaxMs} ms` } : null;
}
