import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { StageSettings } from '@pipewright/core';
import type { DestinationWriter, HandlerContext, TransformationHandler } from '../connectors/types.js';
import { FINALIZE, TRANSFORMATION, type StageIndex, type StageTally } from '../stage-tally.js';
import { finalize, receive, StageChain, type FailureListener } from '../stages/stage-chain.js';
import { applyHandler } from '../stages/transformation.js';
import { ChildPool, type SandboxChild } from './child-pool.js';
import { SandboxCrashError, SandboxError, SandboxLimitError } from './errors.js';
import type { MiddleStage, Phase, SandboxProgram } from './protocol.js';

export interface StageSandboxOptions {
  /** Child processes kept warm and evaluating at once (default: min(4, CPUs − 1), at least 1). */
  size?: number;
  /** Old-generation heap of each child, in MB (default 128). */
  heapMb?: number;
  /** Scheduling priority of the children (nice, 0–19; default 10): tenants' stages yield the CPU to the server. */
  niceness?: number;
  /** Wall-clock limit for one batch in a child (default 10 s). */
  batchTimeoutMs?: number;
  /** Operator maximum for a run's wall-clock limit; a pipeline's own limit is clamped to it (default: none). */
  maxRunTimeoutMs?: number | null;
  /** Child entry override (tests). */
  entry?: { path: string; execArgv: string[] };
}

/** Stages 1–4 of one batch: the survivors, and what each stage passed and failed. */
export interface StagesOutcome {
  records: unknown[];
  /** Per configured stage (1–4, in order): passed and failed counts. */
  counts: Array<{ stage: MiddleStage; passed: number; failed: number }>;
  /** Every failed record, stage by stage and in record order, as StageChain reports them. */
  failures: Array<{ stage: MiddleStage; reason: string }>;
}

export type PreparedStages =
  { stages: SandboxedStages; issues: [] } | { stages: null; issues: import('@pipewright/core').FieldIssue[] };

/**
 * Evaluates workflows' tenant-supplied stages (input schema, JSONata filter, JSONata
 * transformation, output schema) in a pool of warm child processes, with a heap limit per
 * child, a wall-clock limit per batch and per run, and cancellation that kills the child
 * at once. A tenant expression that exhausts memory, loops, or even makes V8 abort ends
 * only that child: its batch fails with a SandboxLimitError, the next batch gets a new one.
 *
 * Registered handlers are embedders' closures and stay on the main thread: with a handler,
 * stages 1–2 run in a child, the handler here, and stage 4 in a child again.
 *
 * Child processes rather than worker threads: V8 ends the whole process, not the worker,
 * when a script asks for an object larger than its limits (the issue's `$split` of a
 * 2^28-character string aborts with "Fatal JavaScript invalid size error" even inside a
 * worker with resourceLimits). Only a process boundary survives that.
 */
export class StageSandbox {
  private readonly pool: ChildPool;
  /** The heap limit of each child, in MB. */
  readonly heapMb: number;
  /** The wall-clock limit of one batch, in ms. */
  readonly batchTimeoutMs: number;
  private readonly maxRunTimeoutMs: number | null;

  constructor(options: StageSandboxOptions = {}) {
    this.heapMb = options.heapMb ?? 128;
    this.pool = new ChildPool({
      size: Math.max(1, options.size ?? Math.min(4, availableParallelism() - 1)),
      heapMb: this.heapMb,
      niceness: options.niceness ?? 10,
      ...(options.entry ? { entry: options.entry } : {}),
    });
    this.batchTimeoutMs = options.batchTimeoutMs ?? 10_000;
    this.maxRunTimeoutMs = options.maxRunTimeoutMs ?? null;
  }

  /**
   * Checks a workflow's stages (the same issues as StageChain.compile) and prepares them
   * for one run; the run's clock starts now.
   */
  prepare(
    settings: StageSettings,
    handler: (name: string) => TransformationHandler | undefined,
    run: { runTimeoutMs?: number | null } = {},
  ): PreparedStages {
    const compiled = StageChain.compile(settings, handler);
    if (!compiled.chain) return { stages: null, issues: compiled.issues };
    const program: SandboxProgram = {};
    if (settings.inputSchema) program.inputSchema = settings.inputSchema;
    if (settings.filter) program.filter = settings.filter;
    const t = settings.transformation;
    let mainThread: { name: string; handler: TransformationHandler } | null = null;
    if (typeof t === 'string' && t) program.transformation = t;
    else if (t && typeof t === 'object') mainThread = { name: t.handler, handler: handler(t.handler)! };
    if (settings.outputSchema) program.outputSchema = settings.outputSchema;
    const limits = [run.runTimeoutMs, this.maxRunTimeoutMs].filter((n): n is number => typeof n === 'number' && n > 0);
    const deadline = limits.length ? Date.now() + Math.min(...limits) : null;
    return {
      stages: new SandboxedStages(
        this.pool,
        this.batchTimeoutMs,
        program,
        mainThread,
        deadline,
        limits.length ? Math.min(...limits) : null,
      ),
      issues: [],
    };
  }

  /** Starts the pool's children now rather than on the first batch. */
  warm(): void {
    this.pool.warm();
  }

  /** Children alive now. */
  get alive(): number {
    return this.pool.alive;
  }

  /** Kills every child; batches in flight fail. */
  close(): void {
    this.pool.close();
  }
}

/** One run's stages, prepared by StageSandbox.prepare. */
export class SandboxedStages {
  private readonly key: string;
  private readonly hasPre: boolean;
  private readonly hasPost: boolean;

  constructor(
    private readonly pool: ChildPool,
    private readonly batchTimeoutMs: number,
    private readonly program: SandboxProgram,
    private readonly handler: { name: string; handler: TransformationHandler } | null,
    private readonly deadline: number | null,
    private readonly runTimeoutMs: number | null,
  ) {
    this.key = createHash('sha256').update(JSON.stringify(program)).digest('hex');
    this.hasPre = !!(program.inputSchema || program.filter || program.transformation);
    this.hasPost = !!program.outputSchema;
  }

  /**
   * Stages 1–4 for one batch. Throws a SandboxLimitError (memory/time), a SandboxCrashError,
   * or the signal's reason when the run is cancelled (the child is killed at once).
   */
  async evaluate(records: unknown[], ctx: HandlerContext): Promise<StagesOutcome> {
    if (!this.handler) return this.inChild('all', records, ctx.signal);
    const out: StagesOutcome = { records, counts: [], failures: [] };
    if (this.hasPre) merge(out, await this.inChild('pre', records, ctx.signal));
    const survivors: unknown[] = [];
    const before = out.records.length;
    for (const record of out.records) {
      if (ctx.signal.aborted) ctx.signal.throwIfAborted();
      const outcome = await applyHandler(this.handler.name, this.handler.handler, record, ctx);
      if (outcome.ok) survivors.push(outcome.record);
      else out.failures.push({ stage: TRANSFORMATION, reason: outcome.reason });
    }
    out.counts.push({ stage: TRANSFORMATION, passed: survivors.length, failed: before - survivors.length });
    out.records = survivors;
    if (this.hasPost) merge(out, await this.inChild('post', survivors, ctx.signal));
    return out;
  }

  /**
   * Drop-in for StageChain.run: Receive, stages 1–4 (sandboxed), Finalize, with the same
   * tallies and failure reports in the same order.
   */
  async run(
    batch: { records: unknown[]; unreadable?: readonly string[] },
    writer: DestinationWriter,
    ctx: HandlerContext,
    tally: StageTally,
    onFailure: FailureListener,
  ): Promise<void> {
    receive(batch, tally, onFailure);
    const outcome = await this.evaluate(batch.records, ctx);
    report(batch.records.length, outcome, tally, onFailure);
    if (outcome.records.length > 0) await finalize(outcome.records, writer, ctx, tally, onFailure);
  }

  private async inChild(phase: Phase, records: unknown[], signal: AbortSignal): Promise<StagesOutcome> {
    if (records.length === 0 || (phase === 'all' && !this.hasPre && !this.hasPost))
      return { records, counts: [], failures: [] };
    let timeoutMs = this.batchTimeoutMs;
    let scope: 'batch' | 'run' = 'batch';
    if (this.deadline !== null) {
      const left = this.deadline - Date.now();
      if (left <= 0)
        throw new SandboxLimitError('time', `the run took longer than its time limit (${this.runTimeoutMs} ms)`, 'run');
      if (left < timeoutMs) [timeoutMs, scope] = [left, 'run'];
    }
    if (scope === 'run') timeoutMs = Math.max(1, timeoutMs);
    const child: SandboxChild = await this.pool.acquire(signal);
    try {
      const limits = { timeoutMs, scope, signal };
      const send = (withProgram: boolean) =>
        child.request(
          { type: 'evaluate', key: this.key, phase, records, ...(withProgram ? { program: this.program } : {}) },
          limits,
        );
      let answer = await send(!child.known.has(this.key));
      if (answer.type === 'missing') answer = await send(true);
      child.known.add(this.key);
      if (answer.type === 'result')
        return { records: answer.records, counts: answer.counts, failures: answer.failures };
      if (answer.type === 'error')
        throw new SandboxError(`the sandbox could not evaluate the stages: ${answer.message}`);
      throw new SandboxCrashError(`unexpected answer from the sandbox: ${answer.type}`);
    } finally {
      this.pool.release(child);
    }
  }
}

function merge(into: StagesOutcome, part: StagesOutcome): void {
  into.records = part.records;
  into.counts.push(...part.counts);
  into.failures.push(...part.failures);
}

/**
 * Feeds a batch's outcome of stages 1–4 into the tally and the failure listener exactly as
 * StageChain does: a stage that is not configured passes every record; a stage's failures
 * are reported before its counts.
 */
export function report(received: number, outcome: StagesOutcome, tally: StageTally, onFailure: FailureListener): void {
  let current = received;
  let next = 1;
  for (const c of outcome.counts) {
    for (; next < c.stage; next++) tally.pass(next as StageIndex, current);
    for (const f of outcome.failures) if (f.stage === c.stage) onFailure(f.stage, f.reason);
    tally.pass(c.stage, c.passed);
    tally.fail(c.stage, c.failed);
    current = c.passed;
    next = c.stage + 1;
  }
  for (; next < FINALIZE; next++) tally.pass(next as StageIndex, current);
}
