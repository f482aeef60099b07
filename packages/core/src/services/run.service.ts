import {
  InvalidStateError,
  NotFoundError,
  PermissionDeniedError,
  RunInProgressError,
  ValidationError,
} from '../errors/domain-error.js';
import type { Pipeline } from '../domain/pipeline.js';
import { Run, type RunTrigger } from '../domain/run.js';
import type { LogLevel, RunLog } from '../domain/run-log.js';
import { isUuid } from '../domain/validate.js';
import type { Actor } from '../policies/actor.js';
import { canExecute, flowAccess } from '../policies/flow.policy.js';
import { assertCanSee, isOwner, isOwnerOrSharedUserOrSharedToOrg, visibilityFor } from '../policies/resource.policy.js';
import type { UploadedFile } from '../ports/executor.js';
import { query, type Page, type PageRequest } from '../ports/query.js';
import { RUN_FIELDS, RUN_SORTS, type Repositories, type RunQuery } from '../ports/storage.js';
import type { CoreDeps } from './context.js';
import { checkQuery } from './query-check.js';
import { lockRun } from './lock-order.js';
import { assertCanSeeRun, canChangeRun } from './run-access.js';

export interface TriggerOptions {
  /** true, false, or null/undefined for the pipeline's default. */
  incremental?: boolean | null;
  trigger?: RunTrigger;
  /** Records for an inline source, given with the request. */
  input?: unknown[] | null;
  files?: UploadedFile[];
}

export type ScheduledFireOutcome =
  | { outcome: 'fired'; runId: string }
  | {
      outcome: 'skipped';
      reason: 'deleted' | 'disabled' | 'in_progress' | 'org_not_normal' | 'cannot_run_incrementally';
    };

const WAIT_POLL_MS = 250;

/** Triggering, cancelling, listing runs and reading their logs. */
export class RunService {
  constructor(private readonly deps: CoreDeps) {}

  /**
   * Opens a run of a pipeline, with the checks in Meergo's order: incremental needs a
   * column, the pipeline must be enabled, no run may be open (re-checked by storage),
   * the organization must be in normal mode. Then hands it to the executor.
   */
  async trigger(actor: Actor, pipelineId: string, options: TriggerOptions = {}): Promise<Run> {
    const run = await this.deps.storage.transaction(async (tx) => {
      const pipeline = assertCanSee(actor, await tx.pipelines.findByIdForUpdate(pipelineId), 'Pipeline');
      if (!canExecute(actor, pipeline)) throw new PermissionDeniedError();
      return this.open(
        tx,
        pipeline,
        actor.kind === 'service' && options.trigger === 'schedule' ? null : actor.userId,
        options,
      );
    });
    await this.deps.executor.submit(run, { files: options.files });
    return run;
  }

  /** A scheduler fire: opens a run unless a rule says skip; never throws for those rules. */
  async triggerScheduled(pipelineId: string): Promise<ScheduledFireOutcome> {
    try {
      const run = await this.deps.storage.transaction(async (tx) => {
        const pipeline = await tx.pipelines.findByIdForUpdate(pipelineId);
        if (!pipeline) return null;
        return this.open(tx, pipeline, null, { trigger: 'schedule' });
      });
      if (!run) return { outcome: 'skipped', reason: 'deleted' };
      await this.deps.executor.submit(run);
      return { outcome: 'fired', runId: run.id };
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'PIPELINE_DISABLED') return { outcome: 'skipped', reason: 'disabled' };
      if (code === 'RUN_IN_PROGRESS') return { outcome: 'skipped', reason: 'in_progress' };
      if (code === 'ORG_NOT_NORMAL') return { outcome: 'skipped', reason: 'org_not_normal' };
      if (code === 'CANNOT_RUN_INCREMENTALLY') return { outcome: 'skipped', reason: 'cannot_run_incrementally' };
      throw e;
    }
  }

  /** Runs a workflow directly, without a pipeline (Unstract's workflow execute). */
  async triggerWorkflow(actor: Actor, workflowId: string, options: TriggerOptions = {}): Promise<Run> {
    const run = await this.deps.storage.transaction(async (tx) => {
      const wf = assertCanSee(actor, await tx.workflows.findById(workflowId), 'Workflow');
      if (!wf.isActive) throw ValidationError.field('workflowId', 'The workflow is not active.');
      const org = await tx.organizations.findById(wf.orgId);
      org?.assertRunsAllowed();
      const run = Run.create({
        id: this.deps.ids.uuid(),
        seq: await tx.runs.nextSeq(),
        orgId: wf.orgId,
        pipelineId: null,
        workflowId: wf.id,
        trigger: options.trigger ?? 'manual',
        triggeredBy: actor.userId,
        input: options.input ?? null,
        now: this.deps.clock.now(),
      });
      await tx.runs.insert(run);
      return run;
    });
    await this.deps.executor.submit(run, { files: options.files });
    return run;
  }

  private async open(
    tx: Repositories,
    pipeline: Pipeline,
    triggeredBy: string | null,
    options: TriggerOptions,
  ): Promise<Run> {
    const incremental = pipeline.assertCanRun(options.incremental);
    if (await tx.runs.findOpenForPipeline(pipeline.id)) throw new RunInProgressError(pipeline.id, pipeline.seq);
    const org = await tx.organizations.findById(pipeline.orgId);
    org?.assertRunsAllowed();
    const id = this.deps.ids.uuid();
    const now = this.deps.clock.now();
    const seq = await tx.runs.nextSeq();
    const index = pipeline.recordRunStarted({ id, status: 'PENDING', createdAt: now });
    const run = Run.create({
      id,
      seq,
      orgId: pipeline.orgId,
      pipelineId: pipeline.id,
      workflowId: pipeline.workflowId,
      index,
      trigger: options.trigger ?? 'manual',
      triggeredBy,
      incremental,
      input: options.input ?? null,
      now,
    });
    await tx.runs.insert(run).catch((e: unknown) => {
      // Storage knows only the pipeline's uuid; say which pipeline as the check above does.
      throw e instanceof RunInProgressError ? new RunInProgressError(pipeline.id, pipeline.seq) : e;
    });
    await tx.pipelines.update(pipeline);
    return run;
  }

  /**
   * First phase of cancel; the executor is told to stop the run if it is executing, or to
   * forget it if it holds it PENDING (waiting for a retry; such a run stops at once).
   */
  async cancel(actor: Actor, runId: string): Promise<Run> {
    const run = await this.deps.storage.transaction(async (tx) => {
      const locked = isUuid(runId) ? await lockRun(tx, runId, 'update') : null;
      const run = await assertCanSeeRun(tx, actor, locked?.run ?? null, runId);
      if (!(await canChangeRun(tx, actor, run))) throw new PermissionDeniedError();
      run.requestCancel(actor.userId, this.deps.clock.now());
      await tx.runs.update(run);
      const pipeline = locked!.pipeline;
      if (pipeline) {
        pipeline.recordRunStatus(run);
        await tx.pipelines.update(pipeline);
      }
      return run;
    });
    await this.deps.executor.cancel(run.id);
    return run;
  }

  /**
   * Deletes a run that has ended, with its logs; who may cancel it may delete it. An open run
   * must be stopped first (InvalidStateError), so no executor is left writing to a deleted row.
   */
  async delete(actor: Actor, runId: string): Promise<void> {
    await this.deps.storage.transaction(async (tx) => {
      const locked = isUuid(runId) ? await lockRun(tx, runId, 'update') : null;
      const run = await assertCanSeeRun(tx, actor, locked?.run ?? null, runId);
      if (!(await canChangeRun(tx, actor, run))) throw new PermissionDeniedError();
      if (run.isOpen) throw new InvalidStateError(`Cannot delete a run that is ${run.status}; stop it first.`);
      const pipeline = locked!.pipeline;
      await tx.runs.delete(run.id);
      if (pipeline) {
        const newest = await tx.runs.list(
          // Bookkeeping sees every run of the pipeline, whoever deletes.
          { orgId: pipeline.orgId, userId: actor.userId, all: true },
          query({
            required: [{ field: 'pipelineId', op: 'equals', value: pipeline.id }],
            sort: [{ field: 'createdAt', direction: 'desc' }],
            page: { page: 1, size: 1 },
          }),
        );
        pipeline.recordRunDeleted(run.id, newest.items[0] ?? null);
        await tx.pipelines.update(pipeline);
      }
    });
  }

  async get(actor: Actor, runId: string): Promise<Run> {
    const run = isUuid(runId) ? await this.deps.storage.runs.findById(runId) : null;
    return assertCanSeeRun(this.deps.storage, actor, run, runId);
  }

  async getBySeq(actor: Actor, seq: number): Promise<Run> {
    return assertCanSeeRun(this.deps.storage, actor, await this.deps.storage.runs.findBySeq(seq), seq);
  }

  async list(actor: Actor, query: RunQuery): Promise<Page<Run>> {
    return this.deps.storage.runs.list(visibilityFor(actor), checkQuery(query, RUN_FIELDS, RUN_SORTS));
  }

  /** Every visible run of the actor's organization, newest first, streamed. */
  stream(actor: Actor): AsyncIterable<Run> {
    return this.deps.storage.runs.stream(visibilityFor(actor));
  }

  /** Runs of one pipeline (owners only, as Unstract's executions route). */
  async listForPipeline(actor: Actor, pipelineId: string, query: RunQuery): Promise<Page<Run>> {
    const p = assertCanSee(actor, await this.deps.storage.pipelines.findById(pipelineId), 'Pipeline');
    if (!isOwner(actor, p)) throw new PermissionDeniedError();
    return this.list(actor, {
      ...query,
      required: [...(query.required ?? []), { field: 'pipelineId', op: 'equals', value: p.id }],
    });
  }

  async logs(
    actor: Actor,
    runId: string,
    filter: { minLevel?: LogLevel; fileExecutionId?: string | null },
    page: PageRequest,
  ): Promise<Page<RunLog>> {
    const run = await this.get(actor, runId);
    return this.deps.storage.runLogs.list(run.id, filter, page);
  }

  /**
   * Replaces the pipelines linked to a run (a Flow job). Needs write access to the run's
   * workflow and manage_pipelines on every pipeline; members of those pipelines then see it.
   */
  async linkPipelines(
    actor: Actor,
    runId: string,
    pipelineIds: string[],
  ): Promise<{ run: Run; pipelines: Pipeline[] }> {
    return this.deps.storage.transaction(async (tx) => {
      // LOCK_ORDER: the linked pipelines first (shared, by id, so a delete waits for the links
      // and removes them with its pipeline), then the run with its own pipeline; only the run is written.
      const ids = [...new Set(pipelineIds)];
      const linked = new Map<string, Pipeline | null>();
      for (const id of [...ids].sort()) linked.set(id, isUuid(id) ? await tx.pipelines.findByIdForShare(id) : null);
      const locked = isUuid(runId) ? await lockRun(tx, runId, 'share') : null;
      const run = await assertCanSeeRun(tx, actor, locked?.run ?? null, runId);
      const wf = await tx.workflows.findById(run.workflowId);
      if (!wf || !isOwner(actor, wf)) throw new PermissionDeniedError({ entity: 'Run', id: run.id, action: 'write' });
      const pipelines: Pipeline[] = [];
      for (const id of ids) {
        const p = linked.get(id) ?? null;
        assertCanSee(actor, p, 'Pipeline', id);
        if (!flowAccess(actor, p!).permissions.includes('flow_pipeline:manage_pipelines'))
          throw new PermissionDeniedError({ entity: 'Pipeline', id, action: 'manage' });
        pipelines.push(p!);
      }
      run.linkPipelines(
        pipelines.map((p) => p.id),
        this.deps.clock.now(),
      );
      await tx.runs.update(run);
      return { run, pipelines };
    });
  }

  /**
   * The last `n` runs (by index) of each of the pipelines, oldest first, read in one storage
   * call for the whole page; pipelines the actor may not see get none.
   */
  async lastRunsOf(actor: Actor, pipelines: readonly Pipeline[], n: number): Promise<Map<string, Run[]>> {
    const visible = pipelines.filter((p) => isOwnerOrSharedUserOrSharedToOrg(actor, p) && p.runCount > 0);
    const last = visible.length
      ? await this.deps.storage.runs.lastPerPipeline(
          visible.map((p) => p.id),
          n,
        )
      : new Map<string, Run[]>();
    return new Map(pipelines.map((p) => [p.id, last.get(p.id) ?? []]));
  }

  /** Whether a pipeline the actor can see has a run not yet finished (PENDING, EXECUTING or STOPPING). */
  async isRunning(actor: Actor, pipeline: Pipeline): Promise<boolean> {
    assertCanSee(actor, pipeline, 'Pipeline', pipeline.id);
    return (await this.deps.storage.runs.findOpenForPipeline(pipeline.id)) !== null;
  }

  /**
   * Waits for a run to end: returns it once it is COMPLETED, ERROR or STOPPED, or as it is
   * when `timeoutMs` has passed or `signal` aborted (the caller went away). Polls storage
   * every `pollMs` (default 250 ms), so it works whichever process executes the run.
   */
  async waitForEnd(
    actor: Actor,
    runId: string,
    options: { timeoutMs: number; signal?: AbortSignal; pollMs?: number },
  ): Promise<Run> {
    const pollMs = options.pollMs ?? WAIT_POLL_MS;
    const deadline = Date.now() + Math.max(0, options.timeoutMs);
    let current = await this.get(actor, runId);
    while (!current.isTerminal && Date.now() < deadline && !options.signal?.aborted) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(0, deadline - Date.now()))));
      current = await this.get(actor, runId);
    }
    return current;
  }

  /** Throws NotFound unless the run exists and is visible (for dialects that only need a check); other failures pass through. */
  async assertExists(actor: Actor, runId: string): Promise<void> {
    await this.get(actor, runId).catch((e: unknown) => {
      throw e instanceof NotFoundError ? new NotFoundError('Run', runId) : e;
    });
  }
}
