import { NotFoundError, ValidationError, type FieldIssue } from '../errors/domain-error.js';
import { Connection, SECRET_MASK } from '../domain/connection.js';
import { isUuid } from '../domain/validate.js';
import type { Workflow, WorkflowDefinition } from '../domain/workflow.js';
import type { Actor } from '../policies/actor.js';
import { assertOrgAdmin } from '../policies/resource.policy.js';
import type { ConnectionTestResult, ResolvedConnection } from '../ports/connection-kinds.js';
import type { Page } from '../ports/query.js';
import { CONNECTION_FIELDS, CONNECTION_SORTS, type ConnectionQuery, type Repositories } from '../ports/storage.js';
import type { CoreDeps } from './context.js';
import { checkQuery } from './query-check.js';

export interface NewConnection {
  name: string;
  kind: string;
  description?: string | null;
  /** Settings and secrets together, in plaintext; the kind says which fields are secret. */
  settings?: Record<string, unknown>;
}

export interface ConnectionChanges {
  name?: string;
  description?: string | null;
  /**
   * The new settings. A secret field left out, or sent as the mask, keeps its sealed value;
   * a new value rotates it; `null` removes it.
   */
  settings?: Record<string, unknown>;
}

/** A connection and the workflows that name it. */
export interface ConnectionUsage {
  connection: Connection;
  workflows: Array<{ id: string; name: string }>;
}

const ROLES = ['source', 'destination'] as const;

/**
 * Connections: an organization's admins create, change, test and delete them; members
 * see them (secrets masked) and name them in their workflows; the engine resolves them
 * at run time. Secrets are sealed with the server secret and never leave in a view.
 */
export class ConnectionService {
  constructor(private readonly deps: CoreDeps) {}

  /** Creates a connection in the actor's organization (admins only). */
  async create(actor: Actor, input: NewConnection): Promise<Connection> {
    assertOrgAdmin(actor);
    const { settings, sealed } = await this.split(input.kind, input.settings ?? {}, {});
    return this.deps.storage.transaction(async (tx) => {
      const connection = Connection.create({
        id: this.deps.ids.uuid(),
        seq: await tx.connections.nextSeq(),
        orgId: actor.orgId,
        name: input.name,
        description: input.description,
        kind: input.kind,
        settings,
        sealedSecrets: sealed,
        by: actor.userId,
        now: this.deps.clock.now(),
      });
      await tx.connections.insert(connection);
      return connection;
    });
  }

  /** A connection of the actor's organization, by id (every member may see it, secrets masked). */
  async get(actor: Actor, id: string): Promise<Connection> {
    const connection = isUuid(id) ? await this.deps.storage.connections.findById(id) : null;
    if (!connection || connection.orgId !== actor.orgId) throw new NotFoundError('Connection', id);
    return connection;
  }

  /** A connection by its int id (Meergo). */
  async getBySeq(actor: Actor, seq: number): Promise<Connection> {
    const connection = Number.isSafeInteger(seq) ? await this.deps.storage.connections.findBySeq(seq) : null;
    if (!connection || connection.orgId !== actor.orgId) throw new NotFoundError('Connection', seq);
    return connection;
  }

  async list(actor: Actor, query: ConnectionQuery): Promise<Page<Connection>> {
    return this.deps.storage.connections.list(actor.orgId, checkQuery(query, CONNECTION_FIELDS, CONNECTION_SORTS));
  }

  /** The connection and the workflows of its organization that name it. */
  async usage(actor: Actor, id: string): Promise<ConnectionUsage> {
    const connection = await this.get(actor, id);
    const workflows = await this.deps.storage.workflows.listByConnection(connection.orgId, connection.id);
    return { connection, workflows: workflows.map((w) => ({ id: w.id, name: w.name })) };
  }

  /** Renames, describes, reconfigures or rotates the secrets of a connection (admins only). */
  async update(actor: Actor, id: string, changes: ConnectionChanges): Promise<Connection> {
    assertOrgAdmin(actor);
    const current = await this.get(actor, id);
    const prepared =
      changes.settings !== undefined
        ? await this.split(current.kind, changes.settings, this.plainSecrets(current))
        : null;
    return this.deps.storage.transaction(async (tx) => {
      const connection = await tx.connections.findByIdForUpdate(current.id);
      if (!connection || connection.orgId !== actor.orgId) throw new NotFoundError('Connection', id);
      const by = actor.userId;
      const now = this.deps.clock.now();
      if (changes.name !== undefined && changes.name !== connection.name) connection.rename(changes.name, by, now);
      if (changes.description !== undefined) connection.describe(changes.description, by, now);
      if (prepared) {
        const removed = Object.fromEntries(
          connection.secretFields.filter((f) => !(f in prepared.sealed)).map((f) => [f, null]),
        );
        connection.reconfigure(prepared.settings, { ...removed, ...prepared.sealed }, by, now);
      }
      await tx.connections.update(connection);
      return connection;
    });
  }

  /** Deletes a connection (admins only). Workflows naming it fail their next run, touching nothing. */
  async delete(actor: Actor, id: string): Promise<void> {
    assertOrgAdmin(actor);
    const connection = await this.get(actor, id);
    await this.deps.storage.connections.delete(connection.id);
  }

  /** Reaches a saved connection's target (admins only: the test uses its secrets). */
  async test(actor: Actor, id: string): Promise<ConnectionTestResult> {
    assertOrgAdmin(actor);
    const connection = await this.get(actor, id);
    return this.deps.connectionKinds.test(this.resolved(connection), await this.orgOf(actor.orgId));
  }

  /** Reaches the target of settings not saved yet (admins only), as "test connection" in a form does. */
  async testSettings(
    actor: Actor,
    input: { kind: string; settings: Record<string, unknown> },
  ): Promise<ConnectionTestResult> {
    assertOrgAdmin(actor);
    const normalized = await this.deps.connectionKinds.normalize(input.kind, input.settings ?? {});
    if ('issues' in normalized)
      throw new ValidationError(normalized.issues.map((i) => ({ ...i, field: prefixed(i.field) })));
    const draft: ResolvedConnection = {
      id: '',
      orgId: actor.orgId,
      name: '',
      kind: input.kind,
      settings: normalized.settings,
    };
    return this.deps.connectionKinds.test(draft, await this.orgOf(actor.orgId));
  }

  /**
   * The connection a run uses, with its secrets in plaintext (the engine only). NotFound
   * when it no longer exists or belongs to another organization: the run then touches nothing.
   */
  async resolve(orgId: string, connectionId: string): Promise<ResolvedConnection> {
    const connection = isUuid(connectionId) ? await this.deps.storage.connections.findById(connectionId) : null;
    if (!connection || connection.orgId !== orgId) throw new NotFoundError('Connection', connectionId);
    return this.resolved(connection);
  }

  /**
   * Checks a definition's connections as it is saved, in the organization's terms: a
   * connection named by id or name becomes its id; a connector that needs one has one of
   * the right kind; no target or credential is written inline. Throws one ValidationError.
   */
  async resolveDefinition(
    tx: Repositories,
    orgId: string,
    definition: Partial<WorkflowDefinition>,
  ): Promise<Partial<WorkflowDefinition>> {
    const issues: FieldIssue[] = [];
    const out: Partial<WorkflowDefinition> = { ...definition };
    for (const role of ROLES) {
      const config = definition[role];
      if (!config || typeof config.connector !== 'string') continue;
      const kinds = this.deps.connectionKinds;
      const needs = kinds.kindFor(role, config.connector);
      const inline = kinds.inlineCredentials(role, config.connector, config.settings ?? {});
      if (inline) {
        for (const field of Object.keys(inline.connection))
          issues.push({
            field: `${role}.settings.${field}`,
            message: `Targets and credentials are not accepted in a workflow: an organization admin creates a ${inline.kind} connection, and the workflow names it in "connection".`,
            code: 'invalid',
          });
      }
      const ref = config.connection ?? null;
      if (ref === null) {
        if (needs?.required && !inline)
          issues.push({
            field: `${role}.connection`,
            message: `The ${config.connector} connector needs a ${needs.kind} connection (by id or name).`,
            code: 'required',
          });
        continue;
      }
      if (!needs) {
        issues.push({
          field: `${role}.connection`,
          message: `The ${config.connector} connector takes no connection.`,
          code: 'invalid',
        });
        continue;
      }
      const found = isUuid(ref) ? await tx.connections.findById(ref) : null;
      const connection = found && found.orgId === orgId ? found : await tx.connections.findByName(orgId, ref);
      if (!connection) {
        issues.push({
          field: `${role}.connection`,
          message: `Connection "${ref}" does not exist in this organization.`,
          code: 'does_not_exist',
        });
        continue;
      }
      if (connection.kind !== needs.kind) {
        issues.push({
          field: `${role}.connection`,
          message: `Connection "${connection.name}" is a ${connection.kind} connection; the ${config.connector} connector needs a ${needs.kind} connection.`,
          code: 'invalid',
        });
        continue;
      }
      out[role] = { ...config, connection: connection.id };
    }
    if (issues.length) throw new ValidationError(issues);
    return out;
  }

  /**
   * The one-time conversion of workflows saved before connections existed: credentials and
   * targets written inline in a connector's settings move into a new connection of the
   * workflow's organization (named after the workflow), and the workflow names it. Runs at
   * server start; returns how many connections it created. Each workflow converts in its
   * own transaction, so a failure leaves it as it was.
   */
  async convertInlineCredentials(keys: readonly string[]): Promise<number> {
    const candidates = await this.deps.storage.workflows.listWithSettingKeys(keys);
    let created = 0;
    for (const candidate of candidates) {
      created += await this.deps.storage.transaction(async (tx) => {
        const wf = await tx.workflows.findByIdForUpdate(candidate.id);
        return wf ? this.convertOne(tx, wf) : 0;
      });
    }
    return created;
  }

  private async convertOne(tx: Repositories, wf: Workflow): Promise<number> {
    const definition = wf.definition;
    const changes: Partial<WorkflowDefinition> = {};
    let created = 0;
    for (const role of ROLES) {
      const config = definition[role];
      if (!config || config.connection) continue;
      const inline = this.deps.connectionKinds.inlineCredentials(role, config.connector, config.settings ?? {});
      if (!inline) continue;
      const normalized = await this.deps.connectionKinds.normalize(inline.kind, inline.connection);
      // Settings that do not normalize (a broken connection string) are still moved, so that
      // no credential stays inline; the connection's test then tells the admin what is wrong.
      const all = 'settings' in normalized ? normalized.settings : inline.connection;
      const { settings, sealed } = this.seal(inline.kind, all);
      const now = this.deps.clock.now();
      const name = await this.freeName(tx, wf.orgId, `${wf.name} ${role}`);
      const connection = Connection.create({
        id: this.deps.ids.uuid(),
        seq: await tx.connections.nextSeq(),
        orgId: wf.orgId,
        name,
        description: `Converted from the inline settings of workflow "${wf.name}".`,
        kind: inline.kind,
        settings,
        sealedSecrets: sealed,
        by: wf.ownerId,
        now,
      });
      await tx.connections.insert(connection);
      changes[role] = { connector: config.connector, connection: connection.id, settings: inline.remaining };
      created++;
    }
    if (created > 0) {
      wf.redefine(changes, wf.ownerId, this.deps.clock.now());
      await tx.workflows.update(wf);
    }
    return created;
  }

  private async freeName(tx: Repositories, orgId: string, base: string): Promise<string> {
    const stem = base.slice(0, 120);
    for (let i = 1; ; i++) {
      const name = i === 1 ? stem : `${stem} ${i}`;
      if (!(await tx.connections.findByName(orgId, name))) return name;
    }
  }

  /** Normalizes settings through the engine and splits off the secret fields, sealed. */
  private async split(kind: string, input: Record<string, unknown>, current: Record<string, unknown>) {
    if (typeof input !== 'object' || input === null || Array.isArray(input))
      throw ValidationError.field('settings', 'Must be an object.');
    const secretFields = new Set(this.deps.connectionKinds.secretFields(kind));
    // A secret sent back masked (a GET → PUT round trip), or left out, keeps its value.
    const merged: Record<string, unknown> = { ...input };
    for (const field of secretFields) {
      if ((merged[field] === SECRET_MASK || merged[field] === undefined) && current[field] !== undefined)
        merged[field] = current[field];
      // `null` removes the secret: left out of what is sealed, so `update` drops it.
      else if (merged[field] === null || merged[field] === SECRET_MASK) delete merged[field];
    }
    const normalized = await this.deps.connectionKinds.normalize(kind, merged);
    if ('issues' in normalized)
      throw new ValidationError(normalized.issues.map((i) => ({ ...i, field: prefixed(i.field) })));
    return this.seal(kind, normalized.settings);
  }

  private seal(
    kind: string,
    all: Record<string, unknown>,
  ): { settings: Record<string, unknown>; sealed: Record<string, string> } {
    const secretFields = new Set(this.deps.connectionKinds.secretFields(kind));
    const settings: Record<string, unknown> = {};
    const sealed: Record<string, string> = {};
    for (const [field, value] of Object.entries(all)) {
      if (value === undefined) continue;
      if (secretFields.has(field)) {
        if (value !== null && value !== '') sealed[field] = this.deps.sealer.seal(JSON.stringify(value));
      } else settings[field] = value;
    }
    return { settings, sealed };
  }

  private plainSecrets(connection: Connection): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [field, sealed] of Object.entries(connection.sealedSecrets))
      out[field] = JSON.parse(this.deps.sealer.unseal(sealed));
    return out;
  }

  private resolved(connection: Connection): ResolvedConnection {
    return {
      id: connection.id,
      orgId: connection.orgId,
      name: connection.name,
      kind: connection.kind,
      settings: { ...connection.settings, ...this.plainSecrets(connection) },
    };
  }

  private async orgOf(orgId: string): Promise<{ id: string; slug: string }> {
    const org = await this.deps.storage.organizations.findById(orgId);
    if (!org) throw new NotFoundError('Organization', orgId);
    return { id: org.id, slug: org.slug };
  }
}

function prefixed(field: string): string {
  return field === 'kind' || field === 'name' || field.startsWith('settings') ? field : `settings.${field}`;
}
