import { NotFoundError, type Actor, type Core, type Run } from '@pipewright/core';

/**
 * The int id of a run's pipeline, as the actor may see it. Runs store the pipeline's uuid;
 * Meergo shows its int id. A run seen only through a linked pipeline (a Flow job) may belong
 * to a pipeline the actor cannot see: then, and for pipeline-less runs, the answer is null
 * (and Meergo's routes do not show the run), so nothing leaks. Lookups are cached per request, with a bound so a stream of a million
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

  /** Looks up every unknown pipeline of a batch of runs in one query (visible ones; the rest are null). */
  async prefetch(pipelineIds: readonly (string | null)[]): Promise<void> {
    const missing = [...new Set(pipelineIds.filter((id): id is string => id !== null && !this.cache.has(id)))];
    if (!missing.length) return;
    const found = await this.core.pipelines.seqsOf(this.actor, missing);
    for (const id of missing) this.remember(id, found.get(id) ?? null);
  }

  /** The runs of a stream, each batch's pipelines looked up together before the runs pass on. */
  async *resolving(runs: AsyncIterable<Run>, batchSize = 500): AsyncIterable<Run> {
    let batch: Run[] = [];
    for await (const run of runs) {
      batch.push(run);
      if (batch.length >= batchSize) {
        await this.prefetch(batch.map((r) => r.pipelineId));
        yield* batch;
        batch = [];
      }
    }
    await this.prefetch(batch.map((r) => r.pipelineId));
    yield* batch;
  }

  /**
   * Only the pipeline runs of a stream, each with its pipeline's int id: runs of a workflow
   * without a pipeline (another dialect's) and runs of pipelines the actor cannot see are left
   * out, as Meergo's list holds only runs of the workspace's pipelines.
   */
  async *pipelineRuns(runs: AsyncIterable<Run>): AsyncIterable<{ run: Run; pipeline: number }> {
    for await (const run of this.resolving(runs)) {
      const pipeline = this.known(run.pipelineId) ?? (run.pipelineId === null ? null : await this.of(run.pipelineId));
      if (pipeline !== null) yield { run, pipeline };
    }
  }

  private remember(pipelineId: string, seq: number | null): void {
    if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(pipelineId, seq);
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
    this.remember(pipelineId!, seq);
    return seq;
  }
}
