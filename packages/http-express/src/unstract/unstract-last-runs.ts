import { query, type Actor, type Core, type Pipeline, type Run } from '@pipewright/core';

export const LAST_RUNS = 5;
/** The most rows one runs query may return (core's page size limit). */
const MAX_ROWS = 10_000;

/** The indexes (1-based run numbers within its pipeline) of a pipeline's last five runs. */
function lastIndexes(p: Pipeline): number[] {
  const out: number[] = [];
  for (let i = Math.max(1, p.runCount - LAST_RUNS + 1); i <= p.runCount; i++) out.push(i);
  return out;
}

/**
 * Splits pipelines into groups whose query (`pipelineId oneof …` and `index oneof <union of
 * their last indexes>`) can match at most MAX_ROWS runs, so no group's answer is cut short.
 */
function groups(pipelines: Pipeline[]): Pipeline[][] {
  const out: Pipeline[][] = [];
  let current: Pipeline[] = [];
  let indexes = new Set<number>();
  let rows = 0;
  for (const p of pipelines) {
    // Rows p adds: its own matches, plus the other pipelines' matches of its new indexes.
    const added = lastIndexes(p).filter((i) => !indexes.has(i));
    const own = [...indexes, ...added].filter((i) => i <= p.runCount).length;
    const others = current.reduce((n, q) => n + added.filter((i) => i <= q.runCount).length, 0);
    if (current.length && rows + own + others > MAX_ROWS) {
      out.push(current);
      current = [];
      indexes = new Set(lastIndexes(p));
      rows = indexes.size;
    } else {
      rows += own + others;
      added.forEach((i) => indexes.add(i));
    }
    current.push(p);
  }
  if (current.length) out.push(current);
  return out;
}

/**
 * The last five runs of each pipeline of a page, oldest first, in one runs query for a
 * normal page (no query per row). A run's `index` is its number within its pipeline, and a
 * pipeline's `runCount` is the highest index, so the wanted runs are those with an index
 * above `runCount - 5`; the query asks for the union of those indexes and the few extra
 * runs it matches (another pipeline's index) are dropped here.
 */
export async function lastRunsOf(core: Core, actor: Actor, pipelines: readonly Pipeline[]): Promise<Map<string, Run[]>> {
  const byPipeline = new Map<string, Run[]>(pipelines.map((p) => [p.id, []]));
  const ran = pipelines.filter((p) => p.runCount > 0);
  for (const group of groups(ran)) {
    const indexes = [...new Set(group.flatMap(lastIndexes))];
    const page = await core.runs.list(
      actor,
      query({
        required: [
          { field: 'pipelineId', op: 'oneof', value: group.map((p) => p.id) },
          { field: 'index', op: 'oneof', value: indexes },
        ],
        sort: [{ field: 'createdAt', direction: 'asc' }],
        page: { page: 1, size: MAX_ROWS },
      }),
    );
    const runCounts = new Map(group.map((p) => [p.id, p.runCount]));
    for (const run of page.items) {
      const count = runCounts.get(run.pipelineId ?? '');
      const index = run.toState().index;
      if (count !== undefined && index !== null && index > count - LAST_RUNS) byPipeline.get(run.pipelineId!)!.push(run);
    }
  }
  for (const runs of byPipeline.values()) runs.sort((a, b) => (a.toState().index ?? 0) - (b.toState().index ?? 0));
  return byPipeline;
}
