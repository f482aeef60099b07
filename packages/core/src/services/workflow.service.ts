import { ConflictError } from '../errors/domain-error.js';
import { Workflow, type DeploymentType, type WorkflowDefinition } from '../domain/workflow.js';
import type { Actor } from '../policies/actor.js';
import { assertCanChange, assertCanSee, isOwner, visibilityFor } from '../policies/resource.policy.js';
import { query, type Page } from '../ports/query.js';
import { WORKFLOW_FIELDS, WORKFLOW_SORTS, type Repositories, type WorkflowQuery } from '../ports/storage.js';
import type { CoreDeps } from './context.js';
import { checkQuery } from './query-check.js';
import type { ConnectionService } from './connection.service.js';
import { applySharing, sharingOf, type SharingChange } from './sharing.js';

export interface NewWorkflow {
  name: string;
  description?: string | null;
  deploymentType?: DeploymentType;
  definition?: Partial<WorkflowDefinition>;
  maxFileExecutionCount?: number | null;
  retryOnInterrupt?: boolean;
}

export interface WorkflowChanges extends Partial<NewWorkflow> {
  isActive?: boolean;
  /** Who the workflow is shared with, changed with the rest; a part not given keeps its value. Users must be org members. */
  sharing?: SharingChange;
}

export class WorkflowService {
  constructor(
    private readonly deps: CoreDeps,
    private readonly connections: ConnectionService,
  ) {}

  /**
   * Creates an active workflow owned by the actor; its connections must be the organization's
   * own, and the definition is checked by the engine first.
   */
  async create(actor: Actor, input: NewWorkflow): Promise<Workflow> {
    return this.deps.storage.transaction((tx) => this.createIn(tx, actor, input));
  }

  /** `create` inside the caller's transaction (a pipeline defined with its workflow inline uses it). */
  async createIn(tx: Repositories, actor: Actor, input: NewWorkflow): Promise<Workflow> {
    const definition = input.definition
      ? await this.connections.resolveDefinition(tx, actor.orgId, input.definition)
      : undefined;
    const wf = Workflow.create({
      id: this.deps.ids.uuid(),
      orgId: actor.orgId,
      name: input.name,
      description: input.description,
      ownerId: actor.userId,
      deploymentType: input.deploymentType,
      definition,
      maxFileExecutionCount: input.maxFileExecutionCount,
      retryOnInterrupt: input.retryOnInterrupt,
      now: this.deps.clock.now(),
    });
    this.deps.definitions.validate(wf.definition);
    await tx.workflows.insert(wf);
    return wf;
  }

  /**
   * Changes a workflow's definition inside the caller's transaction (owners only): source and
   * destination given replace the current ones, stage settings given are merged into the
   * current stages. Checked by the engine before it is saved.
   */
  async redefineIn(
    tx: Repositories,
    actor: Actor,
    id: string,
    definition: Partial<WorkflowDefinition>,
  ): Promise<Workflow> {
    const wf = assertCanChange(actor, await tx.workflows.findByIdForUpdate(id), 'Workflow');
    const resolved = await this.connections.resolveDefinition(tx, wf.orgId, {
      ...definition,
      ...(definition.stages !== undefined ? { stages: { ...wf.definition.stages, ...(definition.stages ?? {}) } } : {}),
    });
    wf.redefine(resolved, actor.userId, this.deps.clock.now());
    this.deps.definitions.validate(wf.definition);
    await tx.workflows.update(wf);
    return wf;
  }

  /**
   * The organization's workflow with this name, shared with the whole organization, created
   * (with an empty definition) when missing: a default that every member's pipelines can bind.
   * Find, create and share are one transaction; a concurrent creator's workflow is used.
   */
  async ensureOrgDefault(actor: Actor, input: { name: string; description?: string | null }): Promise<Workflow> {
    const find = async () => {
      const page = await this.deps.storage.workflows.list(
        visibilityFor(actor),
        query({ filters: [{ field: 'name', op: 'equals', value: input.name }], page: { page: 1, size: 1 } }),
      );
      return page.items[0] ?? null;
    };
    const existing = await find();
    if (existing) return existing;
    try {
      return await this.deps.storage.transaction(async (tx) => {
        const wf = await this.createIn(tx, actor, { name: input.name, description: input.description });
        wf.share([], true, actor.userId, this.deps.clock.now());
        await tx.workflows.update(wf);
        return wf;
      });
    } catch (e) {
      // Another request created it first: use theirs.
      if (!(e instanceof ConflictError)) throw e;
      const created = await find();
      if (created) return created;
      throw new ConflictError(
        'workflow',
        'name',
        input.name,
        `The organization's workflow "${input.name}" exists but is not shared with you.`,
        actor.orgId,
      );
    }
  }

  async get(actor: Actor, id: string): Promise<Workflow> {
    return assertCanSee(actor, await this.deps.storage.workflows.findById(id), 'Workflow');
  }

  async list(actor: Actor, query: WorkflowQuery): Promise<Page<Workflow>> {
    return this.deps.storage.workflows.list(visibilityFor(actor), checkQuery(query, WORKFLOW_FIELDS, WORKFLOW_SORTS));
  }

  async update(actor: Actor, id: string, changes: WorkflowChanges): Promise<Workflow> {
    return this.deps.storage.transaction(async (tx) => {
      const wf = assertCanChange(actor, await tx.workflows.findByIdForUpdate(id), 'Workflow');
      const by = actor.userId;
      const now = this.deps.clock.now();
      if (changes.name !== undefined && changes.name !== wf.name) wf.rename(changes.name, by, now);
      if (changes.description !== undefined) wf.describe(changes.description, by, now);
      if (changes.definition !== undefined)
        wf.redefine(await this.connections.resolveDefinition(tx, wf.orgId, changes.definition), by, now);
      wf.configureExecution(
        {
          maxFileExecutionCount: changes.maxFileExecutionCount,
          retryOnInterrupt: changes.retryOnInterrupt,
          deploymentType: changes.deploymentType,
        },
        by,
        now,
      );
      if (changes.isActive === true) wf.activate(by, now);
      if (changes.isActive === false) wf.deactivate(by, now);
      if (changes.sharing !== undefined) await applySharing(tx, wf, changes.sharing, by, now);
      this.deps.definitions.validate(wf.definition);
      await tx.workflows.update(wf);
      return wf;
    });
  }

  async setActive(actor: Actor, id: string, active: boolean): Promise<Workflow> {
    return this.update(actor, id, { isActive: active });
  }

  /** Changes who the workflow is shared with (owners only); a part not given keeps its value. Users must be org members. */
  async share(actor: Actor, id: string, input: SharingChange): Promise<Workflow> {
    return this.deps.storage.transaction(async (tx) => {
      const wf = assertCanChange(actor, await tx.workflows.findByIdForUpdate(id), 'Workflow');
      await applySharing(tx, wf, input, actor.userId, this.deps.clock.now());
      await tx.workflows.update(wf);
      return wf;
    });
  }

  async sharing(actor: Actor, id: string) {
    return sharingOf(this.deps.storage, await this.get(actor, id));
  }

  /** Whether the actor may change the workflow, and which pipelines use it (Unstract's can-update). */
  async usage(actor: Actor, id: string): Promise<{ canUpdate: boolean; pipelines: { id: string; name: string }[] }> {
    const wf = await this.get(actor, id);
    const pipelines = await this.deps.storage.pipelines.listByWorkflow(wf.id);
    return { canUpdate: isOwner(actor, wf), pipelines: pipelines.map((p) => ({ id: p.id, name: p.name })) };
  }

  /** Deletes a workflow (owners only); refused while pipelines use it. */
  async delete(actor: Actor, id: string): Promise<void> {
    await this.deps.storage.transaction(async (tx) => {
      const wf = assertCanChange(actor, await tx.workflows.findByIdForUpdate(id), 'Workflow');
      const used = await tx.pipelines.listByWorkflow(wf.id);
      if (used.length > 0)
        throw new ConflictError(
          'workflow',
          'id',
          wf.id,
          `The workflow is used by ${used.length} pipeline(s); delete them first.`,
          wf.orgId,
        );
      await tx.workflows.delete(wf.id);
    });
  }
}
