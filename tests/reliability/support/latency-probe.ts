import type { Reply } from './http.js';

// The well-behaved tenant's side of a hostile-tenant scenario: its ordinary requests, sent in
// a loop for as long as the attack lasts, each one timed, so their p99 says what the attack
// cost everyone else.

export interface ProbeFigures {
  requests: number;
  /** Requests that did not answer 200 in time: `<label>: <status or error>`. */
  failures: string[];
  p50: number;
  p99: number;
  max: number;
}

/** The p-th percentile (0–100) of ascending `sorted` (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface ProbeStep {
  label: string;
  /** The request; it gets a signal that aborts it after the probe's timeout. */
  send(signal: AbortSignal): Promise<Reply>;
}

/**
 * Sends `steps` round-robin from `loops` concurrent clients, each pausing `pauseMs` between
 * requests, until `stop()`; a request that fails or takes longer than `timeoutMs` counts as a
 * failure and with the time it was given.
 */
export function startProbe(
  steps: ProbeStep[],
  options: { loops?: number; pauseMs?: number; timeoutMs?: number } = {},
): { stop(): Promise<ProbeFigures> } {
  const { loops = 2, pauseMs = 20, timeoutMs = 5_000 } = options;
  const times: number[] = [];
  const failures: string[] = [];
  let running = true;
  let next = 0;
  const loop = async () => {
    while (running) {
      const step = steps[next++ % steps.length]!;
      const t0 = performance.now();
      try {
        const r = await step.send(AbortSignal.timeout(timeoutMs));
        if (r.status !== 200) failures.push(`${step.label}: ${r.status} ${r.text.slice(0, 200)}`);
      } catch (e) {
        failures.push(`${step.label}: ${(e as Error).message}`);
      }
      times.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  };
  const clients = Array.from({ length: loops }, loop);
  return {
    async stop() {
      running = false;
      await Promise.all(clients);
      const sorted = [...times].sort((a, b) => a - b);
      return {
        requests: sorted.length,
        failures,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        max: sorted[sorted.length - 1] ?? 0,
      };
    },
  };
}
