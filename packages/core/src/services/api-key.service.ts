import { NotFoundError, PermissionDeniedError } from '../errors/domain-error.js';
import { ApiKey } from '../domain/api-key.js';
import type { Actor } from '../policies/actor.js';
import { assertCanChange, assertCanSee } from '../policies/resource.policy.js';
import type { Repositories } from '../ports/storage.js';
import type { CoreDeps } from './context.js';

export interface IssuedKey {
  key: ApiKey;
  /** The plaintext secret: returned once, at creation. */
  secret: string;
}

/** Personal keys (a user in an org), pipeline keys (the public pipeline route) and API deployment keys. */
export class ApiKeyService {
  constructor(private readonly deps: CoreDeps) {}

  /** A new personal key `api_<43 base62>` for the actor in the actor's organization. */
  async createPersonalKey(
    actor: Actor,
    input: { description?: string | null; expiresAt?: Date | null } = {},
  ): Promise<IssuedKey> {
    const secret = `api_${this.deps.ids.base62(43)}`;
    const key = this.build(
      actor.orgId,
      'personal',
      { user: actor.userId },
      secret,
      actor.userId,
      input.description,
      true,
      input.expiresAt,
    );
    await this.deps.storage.apiKeys.insert(key);
    return { key, secret };
  }

  async listPersonalKeys(actor: Actor): Promise<ApiKey[]> {
    return this.deps.storage.apiKeys.listByTarget(actor.orgId, 'personal', actor.userId);
  }

  /** Revokes (deletes) one of the actor's personal keys; it stops working at once. */
  async deletePersonalKey(actor: Actor, id: string): Promise<void> {
    const key = await this.deps.storage.apiKeys.findById(id);
    if (!key || key.kind !== 'personal' || key.orgId !== actor.orgId || key.targetId !== actor.userId)
      throw new NotFoundError('API key', id);
    await this.deps.storage.apiKeys.delete(id);
  }

  /** A new pipeline key (a UUID, as Unstract issues them). Pipeline owners only. */
  async createPipelineKey(
    actor: Actor,
    pipelineId: string,
    input: { description?: string | null; isActive?: boolean } = {},
  ): Promise<IssuedKey> {
    return this.deps.storage.transaction(async (tx) => {
      const pipeline = assertCanChange(actor, await tx.pipelines.findById(pipelineId), 'Pipeline');
      return this.issuePipelineKey(tx, actor, pipeline.id, input);
    });
  }

  /** Issues a pipeline key inside the caller's transaction (pipeline creation uses it). */
  async issuePipelineKey(
    tx: Repositories,
    actor: Actor,
    pipelineId: string,
    input: { description?: string | null; isActive?: boolean } = {},
  ): Promise<IssuedKey> {
    const secret = this.deps.ids.uuid();
    const key = this.build(
      actor.orgId,
      'pipeline',
      { pipeline: pipelineId },
      secret,
      actor.userId,
      input.description ?? null,
      input.isActive ?? true,
      null,
    );
    await tx.apiKeys.insert(key);
    return { key, secret };
  }

  /** Issues an API deployment key (a UUID) inside the caller's transaction; the caller checks ownership. */
  async issueDeploymentKey(
    tx: Repositories,
    actor: Actor,
    deploymentId: string,
    input: { description?: string | null; isActive?: boolean } = {},
  ): Promise<IssuedKey> {
    const secret = this.deps.ids.uuid();
    const key = this.build(
      actor.orgId,
      'deployment',
      { deployment: deploymentId },
      secret,
      actor.userId,
      input.description ?? null,
      input.isActive ?? true,
      null,
    );
    await tx.apiKeys.insert(key);
    return { key, secret };
  }

  async listPipelineKeys(actor: Actor, pipelineId: string): Promise<ApiKey[]> {
    const pipeline = assertCanChange(actor, await this.deps.storage.pipelines.findById(pipelineId), 'Pipeline');
    return this.deps.storage.apiKeys.listByTarget(pipeline.orgId, 'pipeline', pipeline.id);
  }

  /** A pipeline key, for the owner of its pipeline. */
  async getKey(actor: Actor, id: string): Promise<ApiKey> {
    const key = await this.deps.storage.apiKeys.findById(id);
    await this.assertOwnsParent(actor, key, id);
    return key!;
  }

  async updateKey(
    actor: Actor,
    id: string,
    patch: { description?: string | null; isActive?: boolean },
  ): Promise<ApiKey> {
    return this.deps.storage.transaction(async (tx) => {
      const key = await tx.apiKeys.findById(id);
      await this.assertOwnsParent(actor, key, id, tx);
      const now = this.deps.clock.now();
      if (patch.description !== undefined) key!.describe(patch.description, now);
      if (patch.isActive === true) key!.activate(now);
      if (patch.isActive === false) key!.revoke(now);
      await tx.apiKeys.update(key!);
      return key!;
    });
  }

  async deleteKey(actor: Actor, id: string): Promise<void> {
    const key = await this.deps.storage.apiKeys.findById(id);
    await this.assertOwnsParent(actor, key, id);
    await this.deps.storage.apiKeys.delete(id);
  }

  /** The plaintext of a key, shown only to the key's owner (the user it was issued by or to). */
  reveal(actor: Actor, key: ApiKey): string | null {
    const owner = key.kind === 'personal' ? key.targetId : key.createdBy;
    if (actor.userId !== owner && actor.role !== 'admin') return null;
    return key.secretSealed ? this.deps.sealer.unseal(key.secretSealed) : null;
  }

  private async assertOwnsParent(
    actor: Actor,
    key: ApiKey | null,
    id: string,
    tx: Repositories = this.deps.storage,
  ): Promise<void> {
    if (!key || key.orgId !== actor.orgId) throw new NotFoundError('API key', id);
    if (key.kind === 'personal') {
      if (key.targetId !== actor.userId) throw new NotFoundError('API key', id);
      return;
    }
    const parent =
      key.kind === 'deployment'
        ? await tx.apiDeployments.findById(key.targetId)
        : await tx.pipelines.findById(key.targetId);
    assertCanSee(actor, parent, 'API key');
    assertCanChange(actor, parent, 'API key');
    if (!parent) throw new PermissionDeniedError();
  }

  private build(
    orgId: string,
    kind: 'personal' | 'pipeline' | 'deployment',
    targets: { user?: string; pipeline?: string; deployment?: string },
    secret: string,
    createdBy: string,
    description: string | null | undefined,
    isActive: boolean,
    expiresAt: Date | null | undefined,
  ): ApiKey {
    return ApiKey.create({
      id: this.deps.ids.uuid(),
      orgId,
      kind,
      targets,
      description: description ?? null,
      isActive,
      secretHash: this.deps.hasher.lookupHash(secret),
      secretSealed: this.deps.sealer.seal(secret),
      prefix: secret.slice(0, 8),
      createdBy,
      expiresAt: expiresAt ?? null,
      now: this.deps.clock.now(),
    });
  }
}
