import {
  STAGES,
  NotFoundError,
  type ConnectionService,
  type FieldIssue,
  type StageSettings,
  type ResolvedConnection,
  type Clock,
  type IdGenerator,
  type FileExecution,
  type FileExecutionStatus,
  type FileHistoryService,
  type Pipeline,
  type Run,
  type RunLifecycle,
  type UploadedFile,
  type Workflow,
} from '@pipewright/core';
import type { ConnectorRegistry } from './connectors/registry.js';
import type {
  ConnectorContext,
  DestinationWriter,
  FileRef,
  FileSourceConnector,
  HandlerContext,
  RecordSourceConnector,
  SourceFile,
} from './connectors/types.js';
import { noneDestination } from './connectors/destinations/none.js';
import { EngineDefinitionValidator } from './definition-validator.js';
import type { EgressPolicy } from './egress/egress-policy.js';
import { organizationFolder } from './engine-connection-kinds.js';
import { Redactor } from './redactor.js';
import { ConnectorFailure } from './errors.js';
import { hashSourceFile, sourceFileBatches } from './files/read-source-file.js';
import type { RunLogger } from './run-logger.js';
import { FILTER, FINALIZE, RECEIVE, RunProgress, StageTally, TRANSFORMATION, type StageIndex } from './stage-tally.js';
import { FILTERED_OUT } from './stages/filter.js';
import { messageOf } from './stages/record-stage.js';
import { StageChain, type FailureListener } from './stages/stage-chain.js';
import { SandboxLimitError } from './sandbox/errors.js';
import type { StageSandbox } from './sandbox/stage-sandbox.js';

/** What the engine uses of the core (all of it from `createCore`). */
export interface EngineCore {
  lifecycle: Pick<
    RunLifecycle,
    | 'begin'
    | 'heartbeat'
    | 'finish'
    | 'retry'
    | 'saveCursor'
    | 'log'
    | 'recoverExpired'
    | 'recordFileExecution'
    | 'organization'
  >;
  fileHistories: Pick<FileHistoryService, 'shouldSkip' | 'record'>;
  clock: Clock;
  ids: IdGenerator;
  /** Resolves the connections a run's source and destination name (secrets in plaintext). */
  connections: Pick<ConnectionService, 'resolve'>;
}

export interface RunEngineOptions {
  registry: ConnectorRegistry;
  /** The server's file root; a run's connectors see `<fileRoot>/<org slug>` only. */
  fileRoot: string | null;
  egress: EgressPolicy;
  batchSize: number;
  /** Failed records logged per stage (WARN) before the rest are only counted. */
  maxLoggedFailures: number;
  /** Where the tenant-supplied stages are evaluated; absent or null: on this thread (StageChain). */
  stageSandbox?: StageSandbox | null;
  /** The run's wall-clock limit, also held by the sandbox across batches (null: none). */
  runTimeoutMs?: number | null;
}

/** One run to execute, as the executor hands it over. */
export interface RunJob {
  run: Run;
  pipeline: Pipeline | null;
  workflow: Workflow;
  uploads: readonly UploadedFile[];
  signal: AbortSignal;
  progress: RunProgress;
  logger: RunLogger;
}

/** How the run ended, seen from the stages; the executor turns it into the run's outcome. */
export interface RunResult {
  status: 'COMPLETED' | 'ERROR' | 'STOPPED';
  error: string | null;
  /** The cursor saved last, if the source advanced it. */
  cursor?: string;
  /** An ERROR from a transient connector failure: another attempt may succeed. */
  retryable?: boolean;
}

/** Stages whose failures mean the file needs another try (not data it was meant to reject). */
const FILE_ERROR_STAGES: readonly StageIndex[] = [RECEIVE, TRANSFORMATION, FINALIZE];

function isAbort(signal: AbortSignal): boolean {
  return signal.aborted;
}

/**
 * Runs a workflow's records through the six stages: reads the source in batches, passes
 * each batch through the stage chain, waits for the destination to store it before reading
 * more (flat memory), saves the incremental cursor per batch, and keeps file executions and
 * file history for file-based sources.
 */
export class RunEngine {
  private readonly validator: EngineDefinitionValidator;

  constructor(
    private readonly core: EngineCore,
    private readonly options: RunEngineOptions,
  ) {
    this.validator = new EngineDefinitionValidator(options.registry, { fileRoot: options.fileRoot });
  }

  async execute(job: RunJob): Promise<RunResult> {
    const definition = job.workflow.definition;
    // Credentials in URLs are masked from the first line; the connections' secrets once resolved.
    const urls = new Redactor();
    job.logger.redactWith((text) => urls.redact(text));
    // Checked again: the registry or the file root may have changed since the workflow was saved.
    const compiled = this.compileStages(definition.stages ?? {});
    const issues = [...compiled.issues, ...this.validator.connectorIssues(definition)];
    if (issues.length || !compiled.stages) {
      const message = `invalid workflow definition: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`;
      job.logger.error(null, message);
      return { status: 'ERROR', error: message };
    }
    const source = definition.source ? this.options.registry.source(definition.source.connector)! : null;
    const destination = definition.destination
      ? this.options.registry.destination(definition.destination.connector)!
      : noneDestination;
    if (!source) {
      job.logger.info(null, 'No source is configured: nothing to read.');
      return { status: 'COMPLETED', error: null };
    }
    // Before anything is opened: the organization's folder and the connections, all of the run's own organization.
    const prepared = await this.prepare(job, definition);
    if ('error' in prepared) {
      job.logger.error(null, prepared.error);
      return { status: 'ERROR', error: prepared.error };
    }
    job.logger.info(
      null,
      `Run started: ${source.name} → ${destination.name}${job.run.incremental ? ' (incremental)' : ''}.`,
    );
    if (job.uploads.length && source.kind !== 'files')
      job.logger.warn('Receive', `${job.uploads.length} uploaded file(s) ignored: the source is "${source.name}".`);

    const base: Omit<ConnectorContext, 'connection'> = {
      run: job.run,
      pipeline: job.pipeline,
      workflow: job.workflow,
      signal: job.signal,
      batchSize: this.options.batchSize,
      logger: job.logger,
      fileRoot: prepared.fileRoot,
      egress: this.options.egress,
    };
    const ctx: ConnectorContext = { ...base, connection: prepared.source };
    const destinationCtx: ConnectorContext = { ...base, connection: prepared.destination };
    const state: { cursor?: string } = {};
    let writer: DestinationWriter | null = null;
    try {
      try {
        writer = await destination.open(definition.destination?.settings ?? {}, destinationCtx);
      } catch (e) {
        throw isAbort(job.signal) ? e : new ConnectorFailure('destination', destination.name, e);
      }
      const guarded = guardWriter(writer, destination.name, job.signal);
      const run = new BatchRunner(compiled.stages, guarded, job, this.failureLogger(job));
      if (source.kind === 'records') await this.readRecords(source, definition.source!.settings, ctx, job, run, state);
      else await this.readFiles(source, definition.source!.settings, ctx, job, run);
      const finished = writer;
      writer = null;
      await finished.close(true).catch((e) => {
        throw new ConnectorFailure('destination', destination.name, e);
      });
      return { status: 'COMPLETED', error: null, ...state };
    } catch (e) {
      if (writer) await writer.close(false).catch(() => {});
      if (isAbort(job.signal)) return { status: 'STOPPED', error: null, ...state };
      if (e instanceof SandboxLimitError) {
        // The tenant's stages went over a limit: the child was ended, this process is fine. Not retryable.
        const message = this.limitMessage(e);
        job.logger.error(null, message);
        return { status: 'ERROR', error: message, retryable: false, ...state };
      }
      const message = job.logger.redact(e instanceof ConnectorFailure ? e.message : `run failed: ${messageOf(e)}`);
      job.logger.error(null, message);
      return { status: 'ERROR', error: message, retryable: e instanceof ConnectorFailure && e.retryable, ...state };
    }
  }

  /** The run's stages: in the sandbox when there is one, else a StageChain on this thread; or the definition's issues. */
  private compileStages(settings: StageSettings): { stages: Pick<StageChain, 'run'> | null; issues: FieldIssue[] } {
    const handlerOf = (name: string) => this.options.registry.handler(name);
    if (this.options.stageSandbox)
      return this.options.stageSandbox.prepare(settings, handlerOf, {
        runTimeoutMs: this.options.runTimeoutMs ?? null,
      });
    const compiled = StageChain.compile(settings, handlerOf);
    return { stages: compiled.chain, issues: compiled.issues };
  }

  /** The run log line (and the run's error) for stages that went over a sandbox limit. */
  private limitMessage(e: SandboxLimitError): string {
    const sandbox = this.options.stageSandbox;
    if (e.kind === 'memory')
      return `The stages ran out of memory (limit ${sandbox?.heapMb ?? '?'} MB); the run was stopped.`;
    if (e.scope === 'run') {
      const ms = Number(/\((\d+) ms\)/.exec(e.message)?.[1] ?? this.options.runTimeoutMs ?? NaN);
      return `The stages took longer than the run's time limit (${Number.isFinite(ms) ? seconds(ms) : 'unknown'}); the run was stopped.`;
    }
    const ms = sandbox?.batchTimeoutMs ?? NaN;
    return `The stages took longer than ${Number.isFinite(ms) ? seconds(ms) : 'their time limit'} for one batch; the run was stopped.`;
  }

  /**
   * The run's organization folder and the connections its source and destination name, each
   * resolved in the run's own organization; from here on the run's log masks their secrets.
   * An error message instead when a connection is missing, of another organization, of the
   * wrong kind, or required and not named: the run then reads and writes nothing.
   */
  private async prepare(
    job: RunJob,
    definition: Workflow['definition'],
  ): Promise<
    | { fileRoot: string | null; source: ResolvedConnection | null; destination: ResolvedConnection | null }
    | { error: string }
  > {
    const org = await this.core.lifecycle.organization(job.run.orgId);
    if (!org) return { error: 'run failed: its organization no longer exists' };
    let fileRoot: string | null;
    try {
      fileRoot = organizationFolder(this.options.fileRoot, org.slug);
    } catch (e) {
      return { error: `run failed: ${messageOf(e)}` };
    }
    const resolved: { source: ResolvedConnection | null; destination: ResolvedConnection | null } = {
      source: null,
      destination: null,
    };
    for (const role of ['source', 'destination'] as const) {
      const config = definition[role];
      if (!config) continue;
      const connector =
        role === 'source'
          ? this.options.registry.source(config.connector)
          : this.options.registry.destination(config.connector);
      const needs = connector?.connection ?? null;
      const ref = config.connection ?? null;
      if (ref === null) {
        if (needs?.required)
          return {
            error: `${role} "${config.connector}" failed: the ${config.connector} connector needs a ${needs.kind} connection; the workflow names none`,
          };
        continue;
      }
      if (!needs)
        return { error: `${role} "${config.connector}" failed: the ${config.connector} connector takes no connection` };
      let connection: ResolvedConnection;
      try {
        connection = await this.core.connections.resolve(job.run.orgId, ref);
      } catch (e) {
        if (e instanceof NotFoundError || (e as { code?: unknown }).code === 'NOT_FOUND')
          return {
            error: `${role} "${config.connector}" failed: connection ${ref} does not exist in this organization (deleted?)`,
          };
        throw e;
      }
      if (connection.kind !== needs.kind)
        return {
          error: `${role} "${config.connector}" failed: connection "${connection.name}" is a ${connection.kind} connection; the ${config.connector} connector needs a ${needs.kind} connection`,
        };
      resolved[role] = connection;
    }
    const redactor = Redactor.forConnections([resolved.source, resolved.destination], this.options.registry);
    job.logger.redactWith((text) => redactor.redact(text));
    return { fileRoot, ...resolved };
  }

  private async readRecords(
    source: RecordSourceConnector,
    settings: Record<string, unknown>,
    ctx: ConnectorContext,
    job: RunJob,
    runner: BatchRunner,
    state: { cursor?: string },
  ): Promise<void> {
    const incremental = {
      column: job.pipeline?.updatedAtColumn ?? null,
      after: job.run.incremental ? (job.pipeline?.cursor ?? null) : null,
    };
    let batches = 0;
    for await (const batch of guardSource(source.read(settings, { ...ctx, incremental }), source.name, job.signal)) {
      job.signal.throwIfAborted();
      const tally = new StageTally(job.progress.stages);
      await runner.run(batch, null, null, tally);
      batches++;
      if (batch.cursor !== undefined && job.pipeline && batch.cursor !== state.cursor) {
        // Only after the batch is written: a failure later re-reads, it never skips.
        await this.core.lifecycle.saveCursor(job.pipeline.id, batch.cursor);
        state.cursor = batch.cursor;
      }
      job.logger.debug(null, `Batch ${batches}: ${batch.records.length} read, ${tally.passed[FINALIZE]} written.`);
    }
  }

  private async readFiles(
    source: FileSourceConnector,
    settings: Record<string, unknown>,
    ctx: ConnectorContext,
    job: RunJob,
    runner: BatchRunner,
  ): Promise<void> {
    const useHistory = source.usesFileHistory(settings);
    for await (const file of guardSource(
      source.files(settings, { ...ctx, uploads: job.uploads }),
      source.name,
      job.signal,
    )) {
      job.signal.throwIfAborted();
      await this.processFile(file, useHistory, job, runner);
    }
  }

  /** One file: hash, skip by history, parse, run its records, record the outcome. */
  private async processFile(file: SourceFile, useHistory: boolean, job: RunJob, runner: BatchRunner): Promise<void> {
    const { lifecycle, clock, ids } = this.core;
    const started = clock.now();
    const ref: FileRef = { name: file.name, path: file.path };
    // Hashed, then parsed, chunk by chunk: a large file is never whole in memory.
    let cacheKey: string | null = null;
    let readError: string | null = null;
    try {
      cacheKey = await hashSourceFile(file);
    } catch (e) {
      readError = `cannot read the file: ${messageOf(e)}`;
    }
    const execution: FileExecution = {
      id: ids.uuid(),
      runId: job.run.id,
      fileName: file.name,
      filePath: file.path,
      cacheKey,
      status: 'EXECUTING',
      error: null,
      executionTimeMs: null,
      createdAt: started,
      updatedAt: started,
    };
    const history = { cacheKey: cacheKey ?? '', filePath: file.path };
    if (useHistory && cacheKey) {
      const type = job.pipeline?.type ?? null;
      if (
        await this.core.fileHistories.shouldSkip(job.workflow.id, history, type, job.workflow.maxFileExecutionCount)
      ) {
        await lifecycle.recordFileExecution({ ...execution, status: 'SKIPPED', updatedAt: clock.now() });
        job.logger.info(
          'Receive',
          `Skipped ${file.path}: already processed, or tried ${job.workflow.maxFileExecutionCount} times.`,
          execution.id,
        );
        return;
      }
    }
    job.progress.files.total++;
    await lifecycle.recordFileExecution(execution);
    job.logger.info('Receive', `Processing ${file.path}.`, execution.id);

    const fileTally = new StageTally(job.progress.stages);
    let firstError: string | null = readError;
    runner.onFileFailure = (stage, reason) => {
      if (firstError === null && FILE_ERROR_STAGES.includes(stage)) firstError = reason;
    };
    const end = async (status: FileExecutionStatus) => {
      const now = clock.now();
      await lifecycle.recordFileExecution({
        ...execution,
        status,
        error: firstError,
        executionTimeMs: now.getTime() - started.getTime(),
        updatedAt: now,
      });
    };
    try {
      if (cacheKey !== null) {
        for await (const batch of sourceFileBatches(file, this.options.batchSize)) {
          job.signal.throwIfAborted();
          await runner.run(batch, ref, execution.id, fileTally);
        }
        await runner.endFile(ref);
      } else {
        await runner.run({ records: [], unreadable: [`${file.path}: ${readError}`] }, ref, execution.id, fileTally);
      }
    } catch (e) {
      runner.onFileFailure = null;
      if (isAbort(job.signal)) {
        await end('STOPPED');
        throw e;
      }
      firstError ??= messageOf(e);
      await end('ERROR');
      job.progress.files.failed++;
      if (useHistory && cacheKey)
        await this.core.fileHistories.record(job.workflow.id, history, { status: 'ERROR', error: firstError });
      throw e;
    }
    runner.onFileFailure = null;
    const failed = FILE_ERROR_STAGES.some((s) => fileTally.failed[s]! > 0);
    await end(failed ? 'ERROR' : 'COMPLETED');
    if (failed) job.progress.files.failed++;
    else job.progress.files.ok++;
    if (useHistory && cacheKey)
      await this.core.fileHistories.record(job.workflow.id, history, {
        status: failed ? 'ERROR' : 'COMPLETED',
        result: fileTally.snapshot(),
        error: failed ? firstError : null,
      });
    job.logger.info(
      'Finalize',
      `${file.path}: ${fileTally.passed[RECEIVE]} read, ${fileTally.passed[FINALIZE]} written${failed ? `; failed: ${firstError}` : ''}.`,
      execution.id,
    );
  }

  /** Logs failed records: the first few per stage at WARN (records simply filtered out at DEBUG), then only counts. */
  private failureLogger(job: RunJob): (fileExecutionId: string | null) => FailureListener {
    const logged = new Array<number>(STAGES.length).fill(0);
    const max = this.options.maxLoggedFailures;
    return (fileExecutionId) => (stage, reason) => {
      const n = ++logged[stage]!;
      if (n > max + 1) return;
      if (n === max + 1) {
        job.logger.warn(
          STAGES[stage]!,
          `More records failed in ${STAGES[stage]}; only the first ${max} are logged.`,
          fileExecutionId,
        );
        return;
      }
      job.logger.add(
        stage === FILTER && reason === FILTERED_OUT ? 'DEBUG' : 'WARN',
        STAGES[stage]!,
        `Record failed: ${reason}`,
        fileExecutionId,
      );
    };
  }
}

/** Runs batches through the chain for one run, and lets the current file watch its failures. */
class BatchRunner {
  onFileFailure: FailureListener | null = null;

  constructor(
    private readonly chain: Pick<StageChain, 'run'>,
    private readonly writer: DestinationWriter,
    private readonly job: RunJob,
    private readonly logFailure: (fileExecutionId: string | null) => FailureListener,
  ) {}

  run(
    batch: { records: unknown[]; unreadable?: readonly string[] },
    file: FileRef | null,
    fileExecutionId: string | null,
    tally: StageTally,
  ): Promise<void> {
    const ctx: HandlerContext = {
      runId: this.job.run.id,
      workflowId: this.job.workflow.id,
      file,
      signal: this.job.signal,
    };
    const log = this.logFailure(fileExecutionId);
    return this.chain.run(batch, this.writer, ctx, tally, (stage, reason) => {
      log(stage, reason);
      this.onFileFailure?.(stage, reason);
    });
  }

  async endFile(file: FileRef): Promise<void> {
    await this.writer.endFile?.(file);
  }
}

/** 10000 → "10 s", 600 → "0.6 s". */
function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** Errors thrown by the destination become ConnectorFailures (unless the run is being aborted). */
function guardWriter(writer: DestinationWriter, name: string, signal: AbortSignal): DestinationWriter {
  const wrap = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (e) {
      throw isAbort(signal) ? e : new ConnectorFailure('destination', name, e);
    }
  };
  return {
    write: (records, file) => wrap(() => writer.write(records, file)),
    endFile: writer.endFile ? (file) => wrap(() => writer.endFile!(file)) : undefined,
    close: (completed) => wrap(() => writer.close(completed)),
  };
}

/** Errors thrown while reading the source become ConnectorFailures. */
async function* guardSource<T>(items: AsyncIterable<T>, name: string, signal: AbortSignal): AsyncGenerator<T> {
  const iterator = items[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<T>;
      try {
        next = await iterator.next();
      } catch (e) {
        throw isAbort(signal) ? e : new ConnectorFailure('source', name, e);
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // Lets the source release its connection when the run stops early.
    await iterator.return?.().catch(() => undefined);
  }
}
