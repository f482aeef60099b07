import { query, type Actor, type Core, type Pipeline } from '@pipewright/core';

/**
 * Every pipeline the actor may see, by name, read page by page from storage (the Flow list
 * has no paging of its own; the visibility rule is pushed down by core.pipelines.list).
 */
export async function* visiblePipelines(core: Core, actor: Actor, pageSize = 500): AsyncGenerator<Pipeline> {
  for (let page = 1; ; page++) {
    const result = await core.pipelines.list(actor, query({ sort: [{ field: 'name', direction: 'asc' }], page: { page, size: pageSize } }));
    yield* result.items;
    if (result.items.length < pageSize || page * pageSize >= result.total) return;
  }
}
