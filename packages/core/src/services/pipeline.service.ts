import { ValidationError } from '../errors/domain-error.js';
import { ruleIssue } from '../domain/validate.js';
import { Pipeline, type PipelineType } from '../domain/pipeline.js';
import type { RetryPolicyInput } from '../domain/retry-policy.js';
import type { Tag } from '../domain/tag.js';
import type { WorkflowDefinition } from '../domain/workflow.js';
import type { Actor } from '../policies/actor.js';
import { assertCanChange, assertCanSee, visibilityFor } from '../policies/resource.policy.js';
import type { Page } from '../ports/query.js';
import { PIPELINE_FIELDS, PIPELINE_SORTS, type PipelineQuery, type Repositories } from '../ports/storage.js';
import type { ApiKeyService, IssuedKey } from './api-key.service.js';
import type { CoreDeps } from './context.js';
import { checkQuery } from './query-check.js';
import { toSchedule, type ScheduleInput } from './schedule-input.js';
import { applySharing, sharingOf, type SharingChange } from './sharing.js';
import type { TagService } from './tag.service.js';
import type { WorkflowService } from './workflow.service.js';

/**
 * The workflow a new pipeline runs: an existing one the actor can see (`id`; NotFound when
 * hidden), or one defined inline, created with the pipeline in the same transaction.
 */
export type PipelineWorkflow = { id: string } | { inline: Partial<WorkflowDefinition> };

export interface NewPipeline {
  name: string;
  description?: string | null;
  type?: PipelineType;
  /** The workflow, by id (an unknown or hidden one is a ValidationError on `workflowId`); or give `workflow`. */
  workflowId?: string;
  /** The workflow by id or defined inline; exclusive with `workflowId`. */
  workflow?: PipelineWorkflow;
  /** The description of the pipeline's first API key: text, or made from the saved pipeline name. */
  keyDescription?: string | ((pipelineName: string) => string);
  enabled?: boolean;
  schedule?: ScheduleInput;
  incremental?: boolean;
  updatedAtColumn?: string | null;
  /** Retries of runs failing with a retryable error; fields not given take the defaults (no retry). */
  retry?: RetryPolicyInput;
  /** Wall-clock limit of a run in seconds (absent or null: the operator's maximum only). */
  runTimeoutSeconds?: number | null;
  tags?: string[];
}

/** A partial update; `undefined` leaves a field as it is, `null` clears it. */
export interface PipelineChanges {
  name?: string;
  description?: string | null;
  type?: PipelineType;
  workflowId?: string;
  /** Rebinds the pipeline to a workflow the actor can see (NotFound when hidden); exclusive with `workflowId`. */
  workflow?: { id: string };
  /**
   * Changes the definition of the pipeline's workflow (owners of the workflow only), checked
   * before anything is saved: source and destination given replace, stage settings given are
   * merged into the current ones.
   */
  definition?: Partial<WorkflowDefinition>;
  /** Who the pipeline is shared with; a part not given keeps its value. Users must be org members. */
  sharing?: SharingChange;
  enabled?: boolean;
  schedule?: ScheduleInput;
  incremental?: boolean;
  updatedAtColumn?: string | null;
  /** Given fields of the retry policy replace the current ones. */
  retry?: RetryPolicyInput;
  /** Wall-clock limit of a run in seconds; null clears it (the operator's maximum only). */
  runTimeoutSeconds?: number | null;
  addTags?: string[];
  removeTags?: string[];
}

/** A stable minute of the day per pipeline, so period schedules spread over the hour (Meergo's scheduleStart). */
export function scheduleStartFor(pipelineId: string): number {
  return Number.parseInt(pipelineId.replace(/-/g, '').slice(0, 8), 16) % 1440;
}

export class PipelineService {
  constructor(
    private readonly deps: CoreDeps,
    private readonly tags: TagService,
    private readonly keys: ApiKeyService,
    private readonly workflows: WorkflowService,
  ) {}

  /**
   * Creates a pipeline owned by the actor, with its first API key (and its workflow, when
   * defined inline), in one transaction: a failure leaves nothing behind.
   */
  async create(actor: Actor, input: NewPipeline): Promise<{ pipeline: Pipeline; key: IssuedKey }> {
    const schedule =
      input.schedule === undefined ? null : toSchedule(input.schedule, this.deps.settings.minScheduleIntervalSeconds);
    const result = await this.deps.storage.transaction(async (tx) => {
      const workflowId = await this.workflowFor(tx, actor, input);
      const id = this.deps.ids.uuid();
      const pipeline = Pipeline.create({
        id,
        seq: await tx.pipelines.nextSeq(),
        orgId: actor.orgId,
        name: input.name,
        description: input.description,
        type: input.type,
        workflowId,
        ownerId: actor.userId,
        enabled: input.enabled,
        schedule,
        scheduleStart: scheduleStartFor(id),
        incremental: input.incremental,
        updatedAtColumn: input.updatedAtColumn,
        retry: input.retry,
        runTimeoutSeconds: input.runTimeoutSeconds,
        now: this.deps.clock.now(),
      });
      for (const t of input.tags ?? [])
        pipeline.addTag(await this.tags.resolveForAdd(tx, actor, t), actor.userId, this.deps.clock.now());
      await tx.pipelines.insert(pipeline);
      const keyDescription =
        typeof input.keyDescription === 'function' ? input.keyDescription(pipeline.name) : input.keyDescription;
      const key = await this.keys.issuePipelineKey(tx, actor, pipeline.id, { description: keyDescription ?? null });
      return { pipeline, key };
    });
    await this.afterChange(result.pipeline);
    return result;
  }

  async get(actor: Actor, id: string): Promise<Pipeline> {
    return assertCanSee(actor, await this.deps.storage.pipelines.findById(id), 'Pipeline');
  }

  /** By the int id Meergo-style routes use. */
  async getBySeq(actor: Actor, seq: number): Promise<Pipeline> {
    return assertCanSee(actor, await this.deps.storage.pipelines.findBySeq(seq), 'Pipeline', seq);
  }

  /** The visible pipelines matching the query (pushed down to storage). */
  async list(actor: Actor, query: PipelineQuery): Promise<Page<Pipeline>> {
    return this.deps.storage.pipelines.list(visibilityFor(actor), checkQuery(query, PIPELINE_FIELDS, PIPELINE_SORTS));
  }

  /** Every visible pipeline by name, streamed in keyset batches (whole-collection answers). */
  streamByName(actor: Actor, options?: { batchSize?: number }): AsyncIterable<Pipeline> {
    return this.deps.storage.pipelines.streamByName(visibilityFor(actor), options);
  }

  /** The int ids of those of `ids` the actor may see (the others are absent). */
  seqsOf(actor: Actor, ids: readonly string[]): Promise<Map<string, number>> {
    return this.deps.storage.pipelines.seqsOf(visibilityFor(actor), ids);
  }

  /** Applies changes in one transaction (owners only), then reschedules. */
  async update(actor: Actor, id: string, changes: PipelineChanges): Promise<Pipeline> {
    const schedule =
      changes.schedule === undefined
        ? undefined
        : toSchedule(changes.schedule, this.deps.settings.minScheduleIntervalSeconds);
    const pipeline = await this.deps.storage.transaction(async (tx) => {
      const p = assertCanChange(actor, await tx.pipelines.findByIdForUpdate(id), 'Pipeline');
      const by = actor.userId;
      const now = this.deps.clock.now();
      if (changes.workflowId !== undefined && changes.workflow !== undefined)
        throw ValidationError.field('workflow', 'Give either workflow or workflowId, not both.');
      if (changes.workflow !== undefined) await this.assertVisibleWorkflow(tx, actor, changes.workflow.id);
      // The definition is checked (and the workflow locked) before the pipeline changes: a bad one changes nothing.
      if (changes.definition !== undefined)
        await this.workflows.redefineIn(tx, actor, p.workflowId, changes.definition);
      if (changes.name !== undefined && changes.name !== p.name) p.rename(changes.name, by, now);
      if (changes.description !== undefined) p.describe(changes.description, by, now);
      if (changes.type !== undefined) p.changeType(changes.type, by, now);
      if (changes.workflowId !== undefined && changes.workflowId !== p.workflowId) {
        await this.assertWorkflow(tx, actor, changes.workflowId);
        p.bindWorkflow(changes.workflowId, by, now);
      }
      if (changes.workflow !== undefined && changes.workflow.id !== p.workflowId)
        p.bindWorkflow(changes.workflow.id, by, now);
      if (changes.enabled === true) p.enable(by, now);
      if (changes.enabled === false) p.disable(by, now);
      if (schedule !== undefined) p.reschedule(schedule, by, now);
      if (changes.incremental !== undefined || changes.updatedAtColumn !== undefined)
        p.configureIncremental(
          changes.incremental ?? p.incremental,
          changes.updatedAtColumn === undefined ? p.updatedAtColumn : changes.updatedAtColumn,
          by,
          now,
        );
      if (changes.retry !== undefined) p.configureRetry(changes.retry, by, now);
      if (changes.runTimeoutSeconds !== undefined) p.limitRunTime(changes.runTimeoutSeconds, by, now);
      for (const t of changes.addTags ?? []) p.addTag(await this.tags.resolveForAdd(tx, actor, t), by, now);
      for (const t of changes.removeTags ?? []) {
        const tag = await this.tags.resolveForRemove(tx, actor, t);
        if (tag) p.removeTag(tag.id, by, now);
      }
      if (changes.sharing !== undefined) await applySharing(tx, p, changes.sharing, by, now);
      await tx.pipelines.update(p);
      return p;
    });
    await this.afterChange(pipeline);
    return pipeline;
  }

  async setEnabled(actor: Actor, id: string, enabled: boolean): Promise<Pipeline> {
    return this.update(actor, id, { enabled });
  }

  async setSchedule(actor: Actor, id: string, schedule: ScheduleInput): Promise<Pipeline> {
    return this.update(actor, id, { schedule });
  }

  /** Changes who the pipeline is shared with (owners only); a part not given keeps its value. Users must be org members. */
  async share(actor: Actor, id: string, input: SharingChange): Promise<Pipeline> {
    return this.deps.storage.transaction(async (tx) => {
      const p = assertCanChange(actor, await tx.pipelines.findByIdForUpdate(id), 'Pipeline');
      await applySharing(tx, p, input, actor.userId, this.deps.clock.now());
      await tx.pipelines.update(p);
      return p;
    });
  }

  async sharing(actor: Actor, id: string) {
    const p = await this.get(actor, id);
    return sharingOf(this.deps.storage, p);
  }

  /**
   * Deletes the pipeline with its runs and keys (owners only), and its scheduler job. An open
   * run is stopped (STOPPED, cancelled by the actor) in the same transaction and goes with the
   * pipeline; the executor is then told to stop it, and its logs written after that are dropped.
   */
  async delete(actor: Actor, id: string): Promise<void> {
    const { p, stopped } = await this.deps.storage.transaction(async (tx) => {
      // LOCK_ORDER: the pipeline, then its open run; the engine's steps queue behind both.
      const p = assertCanChange(actor, await tx.pipelines.findByIdForUpdate(id), 'Pipeline');
      const open = await tx.runs.findOpenForPipeline(p.id);
      const run = open ? await tx.runs.findByIdForUpdate(open.id) : null;
      const stopped = run?.isOpen ? run : null;
      if (stopped) {
        const now = this.deps.clock.now();
        stopped.requestCancel(actor.userId, now);
        if (stopped.isOpen) stopped.markStopped(now);
      }
      await tx.pipelines.delete(p.id);
      return { p, stopped };
    });
    if (stopped) {
      await this.deps.executor.cancel(stopped.id);
      this.deps.events.publish({
        type: 'run.finished',
        runId: stopped.id,
        pipelineId: p.id,
        orgId: p.orgId,
        status: stopped.status,
        at: this.deps.clock.now(),
      });
    }
    await this.deps.scheduler.unregister(p.id);
    this.deps.events.publish({ type: 'pipeline.deleted', pipelineId: p.id, orgId: p.orgId, at: this.deps.clock.now() });
  }

  /** The tags of a page of pipelines, in one query. */
  async tagsOf(pipelines: readonly Pipeline[]): Promise<Map<string, Tag>> {
    const ids = [...new Set(pipelines.flatMap((p) => p.tagIds))];
    const tags = ids.length ? await this.deps.storage.tags.findByIds(ids) : [];
    return new Map(tags.map((t) => [t.id, t]));
  }

  nextRunTime(pipeline: Pipeline): Date | null {
    return this.deps.scheduler.nextFire(pipeline);
  }

  /** The id of the workflow a new pipeline binds; an inline one is created in `tx`. */
  private async workflowFor(tx: Repositories, actor: Actor, input: NewPipeline): Promise<string> {
    const { workflow } = input;
    if (workflow !== undefined && input.workflowId !== undefined)
      throw ValidationError.field('workflow', 'Give either workflow or workflowId, not both.');
    if (workflow === undefined) {
      await this.assertWorkflow(tx, actor, input.workflowId as string);
      return input.workflowId as string;
    }
    if ('id' in workflow) return this.assertVisibleWorkflow(tx, actor, workflow.id);
    const name = typeof input.name === 'string' ? input.name : '';
    const created = await this.workflows.createIn(tx, actor, {
      // Workflow names are unique per organization: the suffix keeps two inline workflows apart.
      name: `${name.trim().slice(0, 100)} (${this.deps.ids.base62(8)})`,
      description: `Defined inline with pipeline "${name}".`,
      definition: workflow.inline,
    });
    return created.id;
  }

  /** A workflow the actor names directly: NotFound (with its id) when it does not exist or is hidden. */
  private async assertVisibleWorkflow(tx: Repositories, actor: Actor, workflowId: string): Promise<string> {
    const wf = typeof workflowId === 'string' ? await tx.workflows.findById(workflowId) : null;
    return assertCanSee(actor, wf, 'Workflow', workflowId).id;
  }

  private async assertWorkflow(tx: Repositories, actor: Actor, workflowId: string): Promise<void> {
    const wf = typeof workflowId === 'string' ? await tx.workflows.findById(workflowId) : null;
    try {
      assertCanSee(actor, wf, 'Workflow');
    } catch {
      throw new ValidationError([ruleIssue('workflowId', 'does_not_exist', { value: String(workflowId) })]);
    }
  }

  private async afterChange(pipeline: Pipeline): Promise<void> {
    await this.deps.scheduler.sync(pipeline);
    this.deps.events.publish({
      type: 'pipeline.changed',
      pipelineId: pipeline.id,
      orgId: pipeline.orgId,
      at: this.deps.clock.now(),
    });
  }
}
