import { ConflictError } from '../errors/domain-error.js';
import { Workflow, type DeploymentType, type WorkflowDefinition } from '../domain/workflow.js';
import type { Actor } from '../policies/actor.js';
import { assertCanChange, assertCanSee, isOwner, visibilityFor } from '../policies/resource.policy.js';
import type { Page } from '../ports/query.js';
import { WORKFLOW_FIELDS, WORKFLOW_SORTS, type WorkflowQuery } from '../ports/storage.js';
import type { CoreDeps } from './context.js';
import { checkQuery } from './query-check.js';
import type { ConnectionService } from './connection.service.js';
import { assertMembers, sharingOf } from './sharing.js';

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
    const definition = input.definition ? await this.connections.resolveDefinition(this.deps.storage, actor.orgId, input.definition) : undefined;
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
    await this.deps.storage.workflows.insert(wf);
    return wf;
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
      if (changes.definition !== undefined) wf.redefine(await this.connections.resolveDefinition(tx, wf.orgId, changes.definition), by, now);
      wf.configureExecution(
        { maxFileExecutionCount: changes.maxFileExecutionCount, retryOnInterrupt: changes.retryOnInterrupt, deploymentType: changes.deploymentType },
        by,
        now,
      );
      if (changes.isActive === true) wf.activate(by, now);
      if (changes.isActive === false) wf.deactivate(by, now);
      this.deps.definitions.validate(wf.definition);
      await tx.workflows.update(wf);
      return wf;
    });
  }

  async setActive(actor: Actor, id: string, active: boolean): Promise<Workflow> {
    return this.update(actor, id, { isActive: active });
  }

  async share(actor: Actor, id: string, input: { userIds: string[]; toOrg: boolean }): Promise<Workflow> {
    return this.deps.storage.transaction(async (tx) => {
      const wf = assertCanChange(actor, await tx.workflows.findByIdForUpdate(id), 'Workflow');
      await assertMembers(tx, wf.orgId, input.userIds);
      wf.share(input.userIds, input.toOrg, actor.userId, this.deps.clock.now());
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
        throw new ConflictError('workflow', 'id', wf.id, `The workflow is used by ${used.length} pipeline(s); delete them first.`);
      await tx.workflows.delete(wf.id);
    });
  }
}
