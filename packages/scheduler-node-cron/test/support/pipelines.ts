import { randomUUID } from 'node:crypto';
import { Pipeline, Schedule } from '@pipewright/core';

let seq = 1;

/** An enabled pipeline with the given schedule (or none). */
export function pipelineWith(
  schedule: Schedule | null,
  opts: { id?: string; enabled?: boolean; scheduleStart?: number; now?: Date } = {},
): Pipeline {
  return Pipeline.create({
    id: opts.id ?? randomUUID(),
    seq: seq++,
    orgId: randomUUID(),
    name: `p${seq}`,
    workflowId: randomUUID(),
    ownerId: randomUUID(),
    enabled: opts.enabled ?? true,
    schedule,
    scheduleStart: opts.scheduleStart ?? 0,
    now: opts.now ?? new Date(),
  });
}

/** The same pipeline, changed later (updatedAt moves on, as a saved change would). */
export function changed(p: Pipeline, change: (p: Pipeline, now: Date) => void): Pipeline {
  const copy = Pipeline.restore(p.toState());
  change(copy, new Date(p.updatedAt.getTime() + 1000));
  return copy;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns true or `timeoutMs` passes; returns how long it took. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  stepMs = 25,
): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await check()) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(stepMs);
  }
}
