import { ValidationError } from '../errors/domain-error.js';
import { Pipeline, type PipelineType } from '../domain/pipeline.js';
import type { RetryPolicyInput } from '../domain/retry-policy.js';
import type { Tag } from '../domain/tag.js';
import type { Actor } from '../policies/actor.js';
import { assertCanChange, assertCanSee, visibilityFor } from '../policies/resource.policy.js';
import type { Page } from '../ports/query.js';
import { PIPELINE_FIELDS, PIPELINE_SORTS, type PipelineQuery, type Repositories } from '../ports/storage.js';
import type { ApiKeyService, IssuedKey } from './api-key.service.js';
import type { CoreDeps } from './context.js';
import { checkQuery } from './query-check.js';
import { toSchedule, type ScheduleInput } from './schedule-input.js';
import { assertMembers, sharingOf } from './sharing.js';
import type { TagService } from './tag.service.js';

export interface NewPipeline {
  name: string;
  description?: string | null;
  type?: PipelineType;
  workflowId: string;
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
  ) {}

  /** Creates a pipeline owned by the actor, with its first API key, in one transaction. */
  async create(actor: Actor, input: NewPipeline): Promise<{ pipeline: Pipeline; key: IssuedKey }> {
    const schedule = input.schedule === undefined ? null : toSchedule(input.schedule, this.deps.settings.minScheduleIntervalSeconds);
    const result = await this.deps.storage.transaction(async (tx) => {
      await this.assertWorkflow(tx, actor, input.workflowId);
      const id = this.deps.ids.uuid();
      const pipeline = Pipeline.create({
        id,
        seq: await tx.pipelines.nextSeq(),
        orgId: actor.orgId,
        name: input.name,
        description: input.description,
        type: input.type,
        workflowId: input.workflowId,
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
      for (const t of input.tags ?? []) pipeline.addTag(await this.tags.resolveForAdd(tx, actor, t), actor.userId, this.deps.clock.now());
      await tx.pipelines.insert(pipeline);
      const key = await this.keys.issuePipelineKey(tx, actor, pipeline.id);
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
      changes.schedule === undefined ? undefined : toSchedule(changes.schedule, this.deps.settings.minScheduleIntervalSeconds);
    const pipeline = await this.deps.storage.transaction(async (tx) => {
      const p = assertCanChange(actor, await tx.pipelines.findByIdForUpdate(id), 'Pipeline');
      const by = actor.userId;
      const now = this.deps.clock.now();
      if (changes.name !== undefined && changes.name !== p.name) p.rename(changes.name, by, now);
      if (changes.description !== undefined) p.describe(changes.description, by, now);
      if (changes.type !== undefined) p.changeType(changes.type, by, now);
      if (changes.workflowId !== undefined && changes.workflowId !== p.workflowId) {
        await this.assertWorkflow(tx, actor, changes.workflowId);
        p.bindWorkflow(changes.workflowId, by, now);
      }
      if (changes.enabled === true) p.enable(by, now);
      if (changes.enabled === false) p.disable(by, now);
      if (schedule !== undefined) p.reschedule(schedule, by, now);
      if (changes.incremental !== undefined || changes.updatedAtColumn !== undefined)
        p.configureIncremental(changes.incremental ?? p.incremental, changes.updatedAtColumn === undefined ? p.updatedAtColumn : changes.updatedAtColumn, by, now);
      if (changes.retry !== undefined) p.configureRetry(changes.retry, by, now);
      if (changes.runTimeoutSeconds !== undefined) p.limitRunTime(changes.runTimeoutSeconds, by, now);
      for (const t of changes.addTags ?? []) p.addTag(await this.tags.resolveForAdd(tx, actor, t), by, now);
      for (const t of changes.removeTags ?? []) {
        const tag = await this.tags.resolveForRemove(tx, actor, t);
        if (tag) p.removeTag(tag.id, by, now);
      }
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

  /** Replaces who the pipeline is shared with (owners only); users must be org members. */
  async share(actor: Actor, id: string, input: { userIds: string[]; toOrg: boolean }): Promise<Pipeline> {
    return this.deps.storage.transaction(async (tx) => {
      const p = assertCanChange(actor, await tx.pipelines.findByIdForUpdate(id), 'Pipeline');
      await assertMembers(tx, p.orgId, input.userIds);
      p.share(input.userIds, input.toOrg, actor.userId, this.deps.clock.now());
      await tx.pipelines.update(p);
      return p;
    });
  }

  async sharing(actor: Actor, id: string) {
    const p = await this.get(actor, id);
    return sharingOf(this.deps.storage, p);
  }

  /** Deletes the pipeline with its runs and keys (owners only), and its scheduler job. */
  async delete(actor: Actor, id: string): Promise<void> {
    const p = await this.deps.storage.transaction(async (tx) => {
      const p = assertCanChange(actor, await tx.pipelines.findByIdForUpdate(id), 'Pipeline');
      await tx.pipelines.delete(p.id);
      return p;
    });
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

  private async assertWorkflow(tx: Repositories, actor: Actor, workflowId: string): Promise<void> {
    const wf = typeof workflowId === 'string' ? await tx.workflows.findById(workflowId).catch(() => null) : null;
    try {
      assertCanSee(actor, wf, 'Workflow');
    } catch {
      throw ValidationError.field('workflowId', `Invalid pk "${String(workflowId)}" - object does not exist.`, 'does_not_exist');
    }
  }

  private async afterChange(pipeline: Pipeline): Promise<void> {
    await this.deps.scheduler.sync(pipeline);
    this.deps.events.publish({ type: 'pipeline.changed', pipelineId: pipeline.id, orgId: pipeline.orgId, at: this.deps.clock.now() });
  }
}

