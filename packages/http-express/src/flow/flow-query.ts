import type { Actor, Core, Pipeline } from '@pipewright/core';

/**
 * Every pipeline the actor may see, by name (the Flow list has no paging of its own): read
 * from storage in keyset batches, so 100,000 pipelines cost flat memory and no OFFSET/COUNT.
 */
export function visiblePipelines(core: Core, actor: Actor, batchSize = 500): AsyncIterable<Pipeline> {
  return core.pipelines.streamByName(actor, { batchSize });
}
