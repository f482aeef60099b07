import { NotFoundError, type Actor, type Core } from '@pipewright/core';

/**
 * The int id of a run's pipeline, as the actor may see it. Runs store the pipeline's uuid;
 * Meergo shows its int id. A run seen only through a linked pipeline (a Flow job) may belong
 * to a pipeline the actor cannot see: then, and for pipeline-less runs, the answer is null,
 * so nothing leaks. Lookups are cached per request, with a bound so a stream of a million
 * runs over as many pipelines stays in flat memory.
 */
export class PipelineSeqs {
  private readonly cache = new Map<string, number | null>();

  constructor(
    private readonly core: Core,
    private readonly actor: Actor,
    private readonly maxEntries = 10_000,
  ) {}

  /** The int id if already known (null: no pipeline, or not visible), else undefined. */
  known(pipelineId: string | null): number | null | undefined {
    return pipelineId === null ? null : this.cache.get(pipelineId);
  }

  async of(pipelineId: string | null): Promise<number | null> {
    const hit = this.known(pipelineId);
    if (hit !== undefined) return hit;
    const seq = await this.core.pipelines.get(this.actor, pipelineId!).then(
      (p) => p.seq,
      (e) => {
        if (e instanceof NotFoundError) return null;
        throw e;
      },
    );
    if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(pipelineId!, seq);
    return seq;
  }
}
