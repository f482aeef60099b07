import path from 'node:path';
import type {
  ConnectionKinds,
  ConnectionTestResult,
  FieldIssue,
  InlineCredentials,
  ResolvedConnection,
} from '@pipewright/core';
import type { Ajv, ValidateFunction } from 'ajv';
import type { ConnectorRegistry } from './connectors/registry.js';
import type { ConnectionKindDefinition } from './connectors/types.js';
import { issueField, issueMessage } from './definition-validator.js';
import { EgressDeniedError, EgressPolicy } from './egress/egress-policy.js';
import { Redactor } from './redactor.js';
import { messageOf } from './stages/record-stage.js';
import { createAjv } from './stages/json-schema.js';

/** How long a connection test may take. */
export const CONNECTION_TEST_TIMEOUT_MS = 5_000;

/**
 * The top-level connector setting keys that held targets and credentials before connections
 * existed: the server's one-time conversion (`core.connections.convertInlineCredentials`)
 * looks for workflows with any of them.
 */
export const INLINE_CREDENTIAL_KEYS: readonly string[] = [
  'connectionString',
  'host',
  'user',
  'password',
  'url',
  'headers',
];

export interface EngineConnectionKindsOptions {
  /** Default: `EgressPolicy.permissive()`. */
  egress?: EgressPolicy;
  /** The server's file root (an organization's folder is `<fileRoot>/<slug>`); null: filesystem disabled. */
  fileRoot?: string | null;
}

/** The folder of an organization in the file root. */
export function organizationFolder(fileRoot: string | null, slug: string): string | null {
  if (fileRoot === null) return null;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(slug) || slug === '.' || slug === '..')
    throw new Error(`"${slug}" cannot name a folder.`);
  return path.join(fileRoot, slug);
}

/**
 * Core's `ConnectionKinds` over the engine's registry: kinds and their schemas, secret
 * fields, which connector needs which kind, the egress check of a target when a connection
 * is saved, and "test connection".
 */
export class EngineConnectionKinds implements ConnectionKinds {
  private readonly ajv: Ajv = createAjv();
  private readonly compiled = new WeakMap<object, ValidateFunction>();
  readonly egress: EgressPolicy;
  private readonly fileRoot: string | null;

  constructor(
    private readonly registry: ConnectorRegistry,
    options: EngineConnectionKindsOptions = {},
  ) {
    this.egress = options.egress ?? EgressPolicy.permissive();
    this.fileRoot = options.fileRoot ?? null;
  }

  async normalize(
    kind: string,
    input: Record<string, unknown>,
  ): Promise<{ settings: Record<string, unknown> } | { issues: FieldIssue[] }> {
    const def = this.registry.connectionKind(kind);
    if (!def) {
      const known = this.registry.connectionKinds().map((k) => k.name);
      return {
        issues: [
          {
            field: 'kind',
            message: `Unknown connection kind "${kind}"; use one of ${known.join(', ')}.`,
            code: 'invalid_choice',
          },
        ],
      };
    }
    // null means "not set" (a secret sent as null is removed).
    let settings: Record<string, unknown> = Object.fromEntries(
      Object.entries(input ?? {}).filter(([, v]) => v !== null && v !== undefined),
    );
    if (def.normalize) {
      const normalized = def.normalize(settings);
      if ('issues' in normalized && Array.isArray(normalized.issues))
        return { issues: normalized.issues as FieldIssue[] };
      settings = normalized as Record<string, unknown>;
    }
    const validate = this.schemaOf(def);
    if (!validate(settings))
      return {
        issues: (validate.errors ?? []).map((e) => ({
          field: issueField('', e).replace(/^\./, ''),
          message: issueMessage(e),
          code: 'invalid',
        })),
      };
    const checked = def.check?.(settings) ?? [];
    if (checked.length) return { issues: checked };
    const target = def.target?.(settings) ?? null;
    if (target) {
      try {
        if (target.host.startsWith('/')) {
          if (!this.egress.allowsLoopback(target.port))
            return {
              issues: [
                {
                  field: target.field,
                  message:
                    'A unix socket of this host is refused unless loopback addresses are allowed (PIPEWRIGHT_EGRESS_ALLOW=loopback).',
                  code: 'invalid',
                },
              ],
            };
          await this.egress.checkSocket(target.host, target.port, { database: target.database });
        } else await this.egress.check(target.host, target.port, { database: target.database });
      } catch (e) {
        // A refusal is the admin's to fix; a host that does not resolve (yet) is not an issue at save.
        if (e instanceof EgressDeniedError)
          return { issues: [{ field: target.field, message: `${capitalize(e.message)}.`, code: 'invalid' }] };
      }
    }
    return { settings };
  }

  secretFields(kind: string): readonly string[] {
    return this.registry.connectionKind(kind)?.secretFields ?? [];
  }

  kindFor(role: 'source' | 'destination', connector: string): { kind: string; required: boolean } | null {
    const c = role === 'source' ? this.registry.source(connector) : this.registry.destination(connector);
    return c?.connection ? { ...c.connection } : null;
  }

  async test(connection: ResolvedConnection, org: { id: string; slug: string }): Promise<ConnectionTestResult> {
    const redactor = Redactor.forConnections([connection], this.registry);
    const def = this.registry.connectionKind(connection.kind);
    if (!def) return { ok: false, error: `Unknown connection kind "${connection.kind}".` };
    if (!def.test) return { ok: false, error: `Connections of kind "${connection.kind}" cannot be tested.` };
    const signal = AbortSignal.timeout(CONNECTION_TEST_TIMEOUT_MS);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${CONNECTION_TEST_TIMEOUT_MS / 1000} s`)),
          CONNECTION_TEST_TIMEOUT_MS,
        );
      });
      const fileRoot = organizationFolder(this.fileRoot, org.slug);
      const message = await Promise.race([def.test(connection, { egress: this.egress, fileRoot, signal }), timeout]);
      return { ok: true, message: redactor.redact(message) };
    } catch (e) {
      return {
        ok: false,
        error: redactor.redact(
          signal.aborted ? `no answer within ${CONNECTION_TEST_TIMEOUT_MS / 1000} s` : errorText(e),
        ),
      };
    } finally {
      clearTimeout(timer);
    }
  }

  inlineCredentials(
    role: 'source' | 'destination',
    connector: string,
    settings: Record<string, unknown>,
  ): InlineCredentials | null {
    const needs = this.kindFor(role, connector);
    if (!needs || !settings) return null;
    const keys = this.registry.connectionKind(needs.kind)?.inlineKeys ?? [];
    const connection: Record<string, unknown> = {};
    const remaining: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(settings)) (keys.includes(k) ? connection : remaining)[k] = v;
    return Object.keys(connection).length ? { kind: needs.kind, connection, remaining } : null;
  }

  private schemaOf(def: ConnectionKindDefinition): ValidateFunction {
    let validate = this.compiled.get(def);
    if (!validate) {
      validate = this.ajv.compile(def.settingsSchema);
      this.compiled.set(def, validate);
    }
    return validate;
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** An error's message, with the code of a network error that has none (an AggregateError). */
function errorText(e: unknown): string {
  const message = messageOf(e);
  const code = (e as { code?: unknown }).code;
  if (message) return message;
  if (e instanceof AggregateError && e.errors.length) return e.errors.map(errorText).join('; ');
  return typeof code === 'string' ? code : 'failed';
}
