import { NotFoundError, UnauthenticatedError, ValidationError } from '../errors/domain-error.js';
import { ruleIssue } from '../domain/validate.js';
import { ApiDeployment, type ApiDeploymentFields } from '../domain/api-deployment.js';
import type { ApiKey } from '../domain/api-key.js';
import type { Run } from '../domain/run.js';
import type { Workflow } from '../domain/workflow.js';
import type { Actor } from '../policies/actor.js';
import { assertCanChange, assertCanSee, visibilityFor } from '../policies/resource.policy.js';
import type { UploadedFile } from '../ports/executor.js';
import type { Page, PageRequest } from '../ports/query.js';
import type { ApiDeploymentFilter, Repositories } from '../ports/storage.js';
import type { ApiKeyService, IssuedKey } from './api-key.service.js';
import type { CoreDeps } from './context.js';
import type { RunService } from './run.service.js';
import { sharingOf, applySharing, type SharingChange } from './sharing.js';

export interface NewApiDeployment {
  workflowId: string;
  apiName: string;
  displayName?: string;
  description?: string | null;
  isActive?: boolean;
}

/** An API deployment reached with one of its keys: the deployment and the actor its key acts as. */
export interface DeploymentAccess {
  deployment: ApiDeployment;
  actor: Actor;
}

export const MAX_DEPLOYMENT_FILES = 32;

/**
 * API deployments: a named HTTP API over a workflow with its own keys. Managing them follows
 * the shareable-resource policy (readers see, owners change); calling one needs a key of it.
 */
export class ApiDeploymentService {
  constructor(
    private readonly deps: CoreDeps,
    private readonly apiKeys: ApiKeyService,
    private readonly runs: RunService,
  ) {}

  /**
   * Creates an active deployment owned by the actor and its first key, in one transaction.
   * The workflow must be visible, have a source and a destination, and no other active deployment.
   */
  async create(actor: Actor, input: NewApiDeployment): Promise<{ deployment: ApiDeployment; key: IssuedKey }> {
    return this.deps.storage.transaction(async (tx) => {
      const workflow = await this.deployableWorkflow(tx, actor, input.workflowId);
      if ((await tx.apiDeployments.listByWorkflow(workflow.id)).some((d) => d.isActive))
        throw ValidationError.field(
          'workflowId',
          'This workflow already has an active API deployment. Only one API deployment per workflow is allowed.',
        );
      const deployment = ApiDeployment.create({
        id: this.deps.ids.uuid(),
        orgId: actor.orgId,
        workflowId: workflow.id,
        apiName: input.apiName,
        displayName: input.displayName,
        description: input.description,
        isActive: input.isActive,
        ownerId: actor.userId,
        now: this.deps.clock.now(),
      });
      await tx.apiDeployments.insert(deployment);
      const key = await this.apiKeys.issueDeploymentKey(tx, actor, deployment.id, {
        description: `API Key for ${deployment.apiName}`,
      });
      return { deployment, key };
    });
  }

  async get(actor: Actor, id: string): Promise<ApiDeployment> {
    return assertCanSee(actor, await this.deps.storage.apiDeployments.findById(id), 'API deployment');
  }

  async list(actor: Actor, filter: ApiDeploymentFilter, page: PageRequest): Promise<Page<ApiDeployment>> {
    return this.deps.storage.apiDeployments.list(visibilityFor(actor), filter, page);
  }

  /** Changes the given fields (owners only); a new workflow must be visible and deployable. */
  async update(actor: Actor, id: string, changes: ApiDeploymentFields): Promise<ApiDeployment> {
    return this.deps.storage.transaction(async (tx) => {
      const deployment = assertCanChange(actor, await tx.apiDeployments.findById(id), 'API deployment');
      if (changes.workflowId !== undefined && changes.workflowId !== deployment.workflowId)
        await this.deployableWorkflow(tx, actor, changes.workflowId);
      deployment.change(changes, actor.userId, this.deps.clock.now());
      await tx.apiDeployments.update(deployment);
      return deployment;
    });
  }

  /** Replaces who the deployment is shared with (owners only; users must be members). */
  /** Changes who the deployment is shared with (owners only); a part not given keeps its value. */
  async share(actor: Actor, id: string, input: SharingChange): Promise<ApiDeployment> {
    return this.deps.storage.transaction(async (tx) => {
      const deployment = assertCanChange(actor, await tx.apiDeployments.findById(id), 'API deployment');
      await applySharing(tx, deployment, input, actor.userId, this.deps.clock.now());
      await tx.apiDeployments.update(deployment);
      return deployment;
    });
  }

  async sharing(actor: Actor, id: string) {
    return sharingOf(this.deps.storage, await this.get(actor, id));
  }

  /** Deletes the deployment and its keys (owners only); runs it started stay with the workflow. */
  async delete(actor: Actor, id: string): Promise<void> {
    await this.deps.storage.transaction(async (tx) => {
      const deployment = assertCanChange(actor, await tx.apiDeployments.findById(id), 'API deployment');
      await tx.apiDeployments.delete(deployment.id);
    });
  }

  /** The deployment's keys (owners only, as for pipeline keys). */
  async listKeys(actor: Actor, id: string): Promise<ApiKey[]> {
    const deployment = assertCanChange(actor, await this.deps.storage.apiDeployments.findById(id), 'API deployment');
    return this.deps.storage.apiKeys.listByTarget(deployment.orgId, 'deployment', deployment.id);
  }

  /** Another key for the deployment (owners only). */
  async createKey(
    actor: Actor,
    id: string,
    input: { description?: string | null; isActive?: boolean } = {},
  ): Promise<IssuedKey> {
    return this.deps.storage.transaction(async (tx) => {
      const deployment = assertCanChange(actor, await tx.apiDeployments.findById(id), 'API deployment');
      return this.apiKeys.issueDeploymentKey(tx, actor, deployment.id, input);
    });
  }

  /**
   * The deployment `apiName` of the organization `orgSlug`, reached with `secret`: NotFound when
   * there is no such deployment (`reason: 'missing'`) or it is inactive (`'inactive'`);
   * Unauthenticated when the secret is not an active key of this deployment.
   */
  async access(orgSlug: string, apiName: string, secret: string): Promise<DeploymentAccess> {
    const { storage, hasher, clock } = this.deps;
    const org = await storage.organizations.findBySlug(orgSlug);
    const deployment = org ? await storage.apiDeployments.findByApiName(org.id, apiName) : null;
    if (!org || !deployment) throw new NotFoundError('API deployment', apiName);
    if (!deployment.isActive) throw new NotFoundError('Inactive API deployment', apiName);
    const now = clock.now();
    const found =
      typeof secret === 'string' && secret.length <= 4096
        ? await storage.apiKeys.findCredential(hasher.lookupHash(secret))
        : null;
    const key = found?.key;
    if (
      !key ||
      key.kind !== 'deployment' ||
      key.targetId !== deployment.id ||
      key.orgId !== org.id ||
      !key.isUsable(now)
    )
      throw new UnauthenticatedError();
    if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > 60_000)
      await storage.apiKeys.touch(key.id, now).catch(() => undefined);
    return { deployment, actor: { kind: 'service', userId: key.createdBy, orgId: org.id, role: 'member' } };
  }

  /** Runs the deployment's workflow with the posted files (1 to 32). */
  async execute(access: DeploymentAccess, files: UploadedFile[]): Promise<Run> {
    if (files.length === 0) throw new ValidationError('You must provide at least one file or presigned URL.');
    if (files.length > MAX_DEPLOYMENT_FILES)
      throw new ValidationError(
        `You can upload a maximum of ${MAX_DEPLOYMENT_FILES} files in total (uploaded or via presigned URLs).`,
      );
    return this.runs.triggerWorkflow(access.actor, access.deployment.workflowId, { trigger: 'public', files });
  }

  /** An execution of the deployment's workflow; NotFound for any other id. */
  async execution(access: DeploymentAccess, executionId: string): Promise<Run> {
    const run = await this.deps.storage.runs.findById(executionId);
    if (!run || run.orgId !== access.deployment.orgId || run.workflowId !== access.deployment.workflowId)
      throw new NotFoundError('Execution', executionId);
    return run;
  }

  private async deployableWorkflow(tx: Repositories, actor: Actor, workflowId: string): Promise<Workflow> {
    const workflow = await tx.workflows.findById(workflowId);
    if (!workflow || workflow.orgId !== actor.orgId)
      throw new ValidationError([ruleIssue('workflowId', 'does_not_exist', { value: String(workflowId) })]);
    assertCanSee(actor, workflow, 'Workflow');
    const def = workflow.definition;
    if (!def.source)
      throw ValidationError.field(
        'workflowId',
        'Source endpoint must have a connection type configured before creating an API deployment.',
      );
    if (!def.destination)
      throw ValidationError.field(
        'workflowId',
        'Destination endpoint must have a connection type configured before creating an API deployment.',
      );
    return workflow;
  }
}
