import { spawn } from 'node:child_process';

/** Runs an npm workspace bench, echoing its output, and returns that output. */
function runNpm(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const echo = (chunk: Buffer) => {
      out += chunk.toString();
      process.stderr.write(chunk.toString().replace(/^(?=.)/gm, '  [bench] '));
    };
    child.stdout.on('data', echo);
    child.stderr.on('data', echo);
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`npm ${args.join(' ')} exited with ${code}`)),
    );
  });
}

export interface EngineResult {
  rows: number;
  baselineRecordsPerSec: number;
  jsonataRecordsPerSec: number;
  handlerRecordsPerSec: number;
  peakRssMb: number | null;
}

/** Scenario 6: packages/engine/bench (postgres→postgres), parsed from its report lines. */
export async function engineBench(databaseUrl: string, rows: number): Promise<EngineResult> {
  const out = await runNpm(['run', 'bench', '--silent', '-w', '@pipewright/engine'], {
    BENCH_DATABASE_URL: databaseUrl,
    BENCH_ROWS: String(rows),
  });
  const rate = (label: string) => {
    const m = new RegExp(`${label}.*?\\s(\\d+) records/s`).exec(out);
    if (!m) throw new Error(`engine bench: no "${label}" line`);
    return Number(m[1]);
  };
  const rss = /process peak RSS (\d+)/.exec(out);
  return {
    rows,
    baselineRecordsPerSec: rate('baseline loop'),
    jsonataRecordsPerSec: rate('engine, JSONata filter \\+ transform'),
    handlerRecordsPerSec: rate('engine, JSONata filter \\+ handler'),
    peakRssMb: rss ? Number(rss[1]) : null,
  };
}

export interface SchedulerResult {
  schedules: number;
  fires: number;
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
}

/** Scenario 7: packages/scheduler-node-cron/bench (fire lag), on its own throwaway test database. */
export async function schedulerBench(
  databaseUrl: string,
  schedules: number,
  seconds: number,
): Promise<SchedulerResult> {
  const out = await runNpm(
    [
      'run',
      'bench',
      '--silent',
      '-w',
      '@pipewright/scheduler-node-cron',
      '--',
      '--schedules',
      String(schedules),
      '--seconds',
      String(seconds),
    ],
    { TEST_DATABASE_URL: databaseUrl },
  );
  const lag = /fire lag p50 \/ p99 \/ max\s+(\d+) \/ (\d+) \/ (\d+) ms/.exec(out);
  const fires = /fires\s+(\d+)/.exec(out);
  if (!lag) throw new Error('scheduler bench: no fire lag line');
  return {
    schedules,
    fires: Number(fires?.[1] ?? 0),
    lagP50Ms: Number(lag[1]),
    lagP99Ms: Number(lag[2]),
    lagMaxMs: Number(lag[3]),
  };
}
