/*
 * Benchmark: GET /v1/pipelines/runs over 1,000,000 runs, measuring the server process's
 * peak RSS growth. The route set runs for real (auth, views, streaming with back-pressure)
 * over a stub core whose run stream yields generated runs in batches, as a storage cursor
 * does; so this measures what the HTTP layer keeps in memory, not the database's.
 *
 *   npx tsx --tsconfig tsconfig.json packages/http-express/bench/meergo-runs-stream.bench.ts [runs]
 *
 * BENCH_TRACE=1 (with --expose-gc) prints the heap retained after a full GC every 100,000
 * runs: it stays flat, so RSS growth is V8 sizing its young generation for the allocation
 * rate (try NODE_OPTIONS=--max-semi-space-size=8), not data kept by the stream.
 */
import { Run, emptyCounters, type Actor, type Core, type RunState } from '@pipewright/core';
import express from 'express';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { meergoRouteSet } from '../src/meergo/meergo.route-set.js';

const N = Number(process.argv[2] ?? 1_000_000);
const PIPELINES = 500;
const actor: Actor = { kind: 'user', userId: 'u', orgId: 'o', role: 'admin' };
const pipelineId = (i: number) => `00000000-0000-4000-8000-${String(i % PIPELINES).padStart(12, '0')}`;

function runState(seq: number): RunState {
  const at = new Date(1_700_000_000_000 + seq * 1000);
  return {
    id: `10000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    seq,
    orgId: 'o',
    pipelineId: pipelineId(seq),
    workflowId: 'w',
    index: seq,
    trigger: 'schedule',
    triggeredBy: null,
    status: 'COMPLETED',
    incremental: false,
    createdAt: at,
    startedAt: at,
    endedAt: new Date(at.getTime() + 500),
    updatedAt: at,
    stages: { passed: [6029, 6029, 5974, 5974, 5974, 5974], failed: [0, 0, 55, 0, 0, 0] },
    files: { total: 0, ok: 0, failed: 0 },
    error: null,
    cancelledBy: null,
    linkedPipelineIds: [],
    leaseExpiresAt: null,
    leaseHolder: null,
    input: null,
    attempt: 1,
  };
}

/** Newest first, 1,000 at a time with an await between batches, like a keyset cursor. */
async function* runs(): AsyncGenerator<Run> {
  for (let seq = N; seq >= 1;) {
    await new Promise((resolve) => setImmediate(resolve));
    if (process.env.BENCH_TRACE && seq % 100_000 === 0) {
      (globalThis as { gc?: () => void }).gc?.();
      console.error(
        `after ${N - seq} runs: heapUsed ${(process.memoryUsage().heapUsed / 1048576).toFixed(1)} MB, rss ${(process.memoryUsage().rss / 1048576).toFixed(1)} MB`,
      );
    }
    for (const end = Math.max(0, seq - 1000); seq > end; seq--) yield Run.restore(runState(seq));
  }
}

const core = {
  auth: {
    authenticate: async () => ({ via: 'personal-key', userId: 'u', keyId: 'k', orgId: 'o' }),
    findOrganization: async () => ({ id: 'o' }),
    actorIn: async () => actor,
  },
  pipelines: { get: async (_a: Actor, id: string) => ({ seq: Number(id.slice(-12)) + 1 }) },
  runs: { stream: () => runs() },
} as unknown as Core;
void emptyCounters;

const app = express();
app.use(meergoRouteSet({ core }).router);
const server = createServer(app);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as AddressInfo).port;

(globalThis as { gc?: () => void }).gc?.();
const baseline = process.memoryUsage().rss;
let peak = baseline;
let heapMax = 0;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peak = Math.max(peak, m.rss);
  heapMax = Math.max(heapMax, m.heapUsed);
}, 10);
const started = Date.now();

// The client is a separate process (curl), so only the server's memory is measured.
const { bytes, tail } = await new Promise<{ bytes: number; tail: string }>((resolve, reject) => {
  const curl = spawn('curl', [
    '-sS',
    '-H',
    `Authorization: Bearer api_${'a'.repeat(43)}`,
    `http://127.0.0.1:${port}/v1/pipelines/runs`,
  ]);
  let bytes = 0;
  let tail = '';
  curl.stdout.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    tail = (tail + chunk.toString('latin1')).slice(-16);
  });
  curl.on('error', reject);
  curl.on('close', (code) => (code === 0 ? resolve({ bytes, tail }) : reject(new Error(`curl exited ${code}`))));
});
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
server.close();
const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
console.log(
  JSON.stringify({
    runs: N,
    bodyMB: Number(mb(bytes)),
    seconds: (Date.now() - started) / 1000,
    baselineRssMB: Number(mb(baseline)),
    peakRssMB: Number(mb(peak)),
    growthMB: Number(mb(peak - baseline)),
    peakHeapUsedMB: Number(mb(heapMax)),
    endsWith: JSON.stringify(tail.slice(-3)),
  }),
);
