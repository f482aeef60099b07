import type { Pipeline } from '../domain/pipeline.js';

/** Keeps one scheduled job per enabled, scheduled pipeline; fires call back into the run service. */
export interface Scheduler {
  /** Creates or replaces the pipeline's job from its current schedule (removes it when disabled or unscheduled). */
  sync(pipeline: Pipeline): Promise<void>;
  /** Removes the pipeline's job everywhere (on delete). */
  unregister(pipelineId: string): Promise<void>;
  /** The next time the pipeline fires, or null when unscheduled or disabled. */
  nextFire(pipeline: Pipeline): Date | null;
}

/** A scheduler that computes next fire times but never fires (embedding without a scheduler). */
export const noScheduler: Scheduler = {
  async sync() {},
  async unregister() {},
  nextFire: (p) => (p.isScheduled ? (p.schedule?.nextFireAfter(new Date(), p.scheduleStart) ?? null) : null),
};
