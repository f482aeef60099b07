// Scenario 5b: runs triggered through HTTP and followed to their end, and the HTTP calls that
// create the pipelines they run on (also used to seed the PGlite server, which has no other way in).
import { sampleRss, type ServerProcess } from './processes.js';
import type { Measurement } from './load.js';

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

/** The table in the bench database that 5b's runs write to (ours through the postgres destination, the baseline by SQL). */
export const SINK_TABLE = 'bench_sink';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Calls `fn` on every item with at most `connections` calls in flight; results in item order. */
export async function inParallel<T, R>(
  items: readonly T[],
  connections: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(connections, items.length) }, lane));
  return results;
}

/** A JSON request that must succeed (setup, not measured): the parsed answer, or an error saying what failed. */
export async function callJson(
  server: ServerProcess,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<any> {
  const res = await fetch(server.url + path, {
    method,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

/** Creates pipelines through Meergo's `POST /v1/pipelines` (4 at a time); their int ids. */
export async function createPipelines(
  server: ServerProcess,
  headers: Record<string, string>,
  bodies: readonly object[],
): Promise<number[]> {
  return inParallel(
    bodies,
    4,
    async (body) => (await callJson(server, 'POST', '/v1/pipelines', headers, body)).id as number,
  );
}

/** Deletes pipelines through Meergo's `DELETE /v1/pipelines/{id}` (their runs go with them). */
export async function deletePipelines(
  server: ServerProcess,
  headers: Record<string, string>,
  seqs: readonly number[],
): Promise<void> {
  await inParallel(seqs, 4, (seq) => callJson(server, 'DELETE', `/v1/pipelines/${seq}`, headers));
}

/** The records of the 5b workflow: small rows, as an inline source gives them. */
export function inlineRecords(count: number): { n: number; name: string }[] {
  return Array.from({ length: count }, (_, n) => ({ n, name: `record-${n}` }));
}

export type Outcome = 'open' | 'completed' | 'failed';

/** One side of scenario 5b: where to trigger and read runs, and what a run's answer means. */
export interface RunApi {
  server: ServerProcess;
  headers: Record<string, string>;
  triggerPath(pipeline: number): string;
  runPath(run: number): string;
  outcome(run: any): Outcome;
}

/** Meergo's run view: ended when `endTime` is set; completed with no error and every record finalized. */
export function meergoOutcome(records: number) {
  return (run: { endTime: string | null; error: string; passed: number[] }): Outcome => {
    if (!run.endTime) return 'open';
    return !run.error && run.passed[5] === records ? 'completed' : 'failed';
  };
}

interface Tracked {
  run: number | null;
  triggeredAt: number;
  doneAt: number;
  outcome: Outcome;
  error: string;
}

/** Triggers one run per pipeline, `connections` POSTs in flight; each run's id and trigger time. */
async function triggerAll(api: RunApi, pipelines: readonly number[], connections: number): Promise<Tracked[]> {
  return inParallel(pipelines, connections, async (pipeline) => {
    const triggeredAt = performance.now();
    const res = await fetch(api.server.url + api.triggerPath(pipeline), {
      method: 'POST',
      headers: { ...api.headers, 'content-type': 'application/json' },
      body: '{}',
    });
    const text = await res.text();
    const run = res.ok ? (JSON.parse(text).id as number) : null;
    return {
      run,
      triggeredAt,
      doneAt: NaN,
      outcome: run === null ? 'failed' : 'open',
      error: run === null ? `trigger ${res.status}: ${text.slice(0, 200)}` : '',
    };
  });
}

/**
 * Follows the runs in trigger order, one GET in flight, so polling costs the server little:
 * a run is re-read every `intervalMs` until it ends, and the next one (usually ended by then)
 * is read at once. `doneAt` is when the end was seen, so latencies are late by at most one interval.
 */
async function follow(api: RunApi, runs: Tracked[], deadline: number, intervalMs = 50): Promise<void> {
  for (const t of runs) {
    while (t.outcome === 'open' && performance.now() < deadline) {
      const res = await fetch(api.server.url + api.runPath(t.run!), { headers: api.headers });
      const text = await res.text();
      t.outcome = res.ok ? api.outcome(JSON.parse(text)) : 'failed';
      if (t.outcome === 'open') await sleep(intervalMs);
      else {
        t.doneAt = performance.now();
        if (t.outcome === 'failed') t.error = `${res.status}: ${text.slice(0, 300)}`;
      }
    }
  }
}

/**
 * Scenario 5b: one run on each of `pipelines`, all triggered at once (`connections` in flight),
 * then followed until every one ended or `timeoutSeconds` passed. Throughput is completed runs
 * per second from the first trigger to the last end; p50/p99 are trigger → end seen. Errors are
 * refused triggers, runs that ended otherwise than completed, and runs still open at the deadline.
 */
export async function runThroughput(
  api: RunApi,
  pipelines: readonly number[],
  connections: number,
  timeoutSeconds: number,
): Promise<Measurement> {
  const rss = sampleRss(api.server.child.pid!);
  const t0 = performance.now();
  const runs = await triggerAll(api, pipelines, connections);
  await follow(api, runs, t0 + timeoutSeconds * 1000);
  const ended = runs.filter((t) => !Number.isNaN(t.doneAt));
  const seconds = ((ended.length ? Math.max(...ended.map((t) => t.doneAt)) : performance.now()) - t0) / 1000;
  const completed = runs.filter((t) => t.outcome === 'completed').length;
  const bad = runs.filter((t) => t.outcome !== 'completed');
  for (const t of bad.slice(0, 3))
    process.stderr.write(
      `  run ${t.run ?? '(not triggered)'}: ${t.outcome === 'open' ? 'still open at the deadline' : t.error}\n`,
    );
  const latencies = ended.map((t) => t.doneAt - t.triggeredAt).sort((a, b) => a - b);
  return {
    reqPerSec: completed / seconds,
    p50Ms: latencies[Math.floor(latencies.length * 0.5)] ?? NaN,
    p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? NaN,
    peakRssMb: mb(rss.stop()),
    requests: runs.length,
    errors: bad.length,
    extra: { runs: runs.length, completed, seconds: Math.round(seconds * 10) / 10 },
  };
}

/** Waits until `check` is true (e.g. a burst's runs ended before the next scenario), at most `seconds`. */
export async function until(check: () => Promise<boolean>, seconds: number): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(200);
  }
  return false;
}
