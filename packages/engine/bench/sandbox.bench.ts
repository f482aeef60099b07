/**
 * Stage sandbox benchmark (not a test): records/s of a JSONata filter + transformation
 * (with input and output schemas) over 200,000 records in batches of 500, in-thread
 * (StageChain, as RunEngine runs today) against the sandbox (child processes), in the
 * same process. Also: the same through a main-thread handler between sandboxed stages,
 * and two runs at once.
 *
 *   npx tsx --tsconfig packages/engine/bench/tsconfig.json packages/engine/bench/sandbox.bench.ts
 *
 * BENCH_RECORDS (default 200000) and BENCH_BATCH (default 500) change the size; BENCH_NICE
 * (default 10, the sandbox's default) the children's niceness.
 */
import type { StageSettings } from '@pipewright/core';
import type { DestinationWriter, HandlerContext } from '../src/connectors/types.js';
import { StageSandbox } from '../src/sandbox/index.js';
import { StageTally } from '../src/stage-tally.js';
import { StageChain } from '../src/stages/stage-chain.js';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 200_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);

const records = Array.from({ length: RECORDS }, (_, i) => ({
  id: i,
  name: `customer-${i}`,
  amount: i % 1000,
  category: ['a', 'b', 'c', 'd'][i % 4],
  address: { city: `city-${i % 50}`, zip: String(10000 + (i % 9000)) },
}));

const settings: StageSettings = {
  inputSchema: {
    type: 'object',
    required: ['id', 'name', 'amount'],
    properties: {
      id: { type: 'integer' },
      name: { type: 'string', pattern: '^customer-\\d+$' },
      amount: { type: 'number', minimum: 0 },
    },
  },
  filter: "amount >= 100 and category != 'd'",
  transformation:
    '{ "key": id, "label": $uppercase(name), "cents": amount * 100, "city": address.city, "tier": amount > 500 ? "gold" : "silver" }',
  outputSchema: { type: 'object', required: ['key', 'label', 'cents'] },
};
const handlerSettings: StageSettings = { ...settings, transformation: { handler: 'map' } };
const handlers = {
  map: (r: unknown) => {
    const x = r as (typeof records)[number];
    return {
      key: x.id,
      label: x.name.toUpperCase(),
      cents: x.amount * 100,
      city: x.address.city,
      tier: x.amount > 500 ? 'gold' : 'silver',
    };
  },
};

const ctx: HandlerContext = { runId: 'bench', workflowId: 'bench', file: null, signal: new AbortController().signal };
const sink = (): DestinationWriter & { count: number } => ({
  count: 0,
  async write(batch) {
    this.count += batch.length;
    return { failed: [] };
  },
  async close() {},
});

type Runner = { run: StageChain['run'] };

async function oneRun(runner: Runner): Promise<number> {
  const w = sink();
  const tally = new StageTally();
  for (let i = 0; i < records.length; i += BATCH)
    await runner.run({ records: records.slice(i, i + BATCH) }, w, ctx, tally, () => {});
  return w.count;
}

async function measure(label: string, runs: () => Runner[]): Promise<number> {
  const runners = runs();
  const t0 = performance.now();
  const elu0 = performance.eventLoopUtilization();
  const written = await Promise.all(runners.map(oneRun));
  const ms = performance.now() - t0;
  const elu = performance.eventLoopUtilization(elu0).utilization;
  const rate = (RECORDS * runners.length) / (ms / 1000);
  console.log(
    `${label.padEnd(44)} ${(rate / 1000).toFixed(1).padStart(7)}k records/s  ${ms.toFixed(0).padStart(6)} ms  main-thread ELU ${elu.toFixed(2)}  written ${written.join('+')}`,
  );
  return rate;
}

const handler = (n: string) => (handlers as Record<string, (r: unknown) => unknown>)[n];
const chain = (s: StageSettings) => StageChain.compile(s, handler).chain!;
const sandbox = new StageSandbox({ size: 2, niceness: Number(process.env.BENCH_NICE ?? 10) });
sandbox.warm();
// Warm-up: JIT on both sides, children up and programs compiled.
await oneRun(chain(settings));
await oneRun(sandbox.prepare(settings, handler).stages!);
await oneRun(sandbox.prepare(handlerSettings, handler).stages!);

console.log(
  `${RECORDS} records, batches of ${BATCH}, Node ${process.version}, children's niceness ${process.env.BENCH_NICE ?? 10}`,
);
const inThread = await measure('in-thread StageChain (JSONata)', () => [chain(settings)]);
const sandboxed = await measure('sandbox (JSONata)', () => [sandbox.prepare(settings, handler).stages!]);
const inThreadH = await measure('in-thread StageChain (handler)', () => [chain(handlerSettings)]);
const sandboxedH = await measure('sandbox (stages 1,2,4) + main-thread handler', () => [
  sandbox.prepare(handlerSettings, handler).stages!,
]);
const inThread2 = await measure('in-thread StageChain, 2 runs at once', () => [chain(settings), chain(settings)]);
const sandboxed2 = await measure('sandbox, 2 runs at once', () => [
  sandbox.prepare(settings, handler).stages!,
  sandbox.prepare(settings, handler).stages!,
]);
console.log(
  `sandbox / in-thread: JSONata ${(sandboxed / inThread).toFixed(2)}, handler ${(sandboxedH / inThreadH).toFixed(2)}, 2 runs ${(sandboxed2 / inThread2).toFixed(2)}`,
);
sandbox.close();
