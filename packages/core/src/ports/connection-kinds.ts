import type { FieldIssue } from '../errors/domain-error.js';

/** A connection as the engine uses it at run time: settings and secrets together, in plaintext. */
export interface ResolvedConnection {
  id: string;
  orgId: string;
  name: string;
  kind: string;
  settings: Record<string, unknown>;
}

/** The answer of "test connection". */
export type ConnectionTestResult = { ok: true; message: string } | { ok: false; error: string };

/** Where a connector setting that now belongs to a connection was found inline in a workflow. */
export interface InlineCredentials {
  /** The connection kind the connector uses. */
  kind: string;
  /** The settings (secrets included) that move into the connection. */
  connection: Record<string, unknown>;
  /** What stays in the workflow's connector settings. */
  remaining: Record<string, unknown>;
}

/**
 * What the engine knows about connection kinds (the core keeps connections, the engine
 * knows what a `postgres` or `webhook` connection holds and how to reach it).
 */
export interface ConnectionKinds {
  /**
   * Checks and normalizes a kind's settings (secrets included, plaintext) when a connection
   * is saved: the kind exists, fields match its schema, the target passes the egress policy.
   * Returns the normalized settings, or the field issues.
   */
  normalize(
    kind: string,
    settings: Record<string, unknown>,
  ): Promise<{ settings: Record<string, unknown> } | { issues: FieldIssue[] }>;
  /** The fields of a kind that are secret: sealed at rest, masked in every view. */
  secretFields(kind: string): readonly string[];
  /** The connection kind a source or destination connector needs (null: it takes none). */
  kindFor(role: 'source' | 'destination', connector: string): { kind: string; required: boolean } | null;
  /** Reaches the connection's target within a timeout; never throws. */
  test(connection: ResolvedConnection, org: { id: string; slug: string }): Promise<ConnectionTestResult>;
  /**
   * Connection settings written inline in a workflow's connector settings (before
   * connections existed), split into what moves into a connection and what stays; null when none.
   */
  inlineCredentials(
    role: 'source' | 'destination',
    connector: string,
    settings: Record<string, unknown>,
  ): InlineCredentials | null;
}

const COMMON_SECRETS = ['password', 'token', 'headers', 'connectionString', 'secret', 'apiKey'] as const;

/** Without an engine: any kind, common secret field names, no connector needs a connection. */
export const anyConnectionKind: ConnectionKinds = {
  async normalize(_kind, settings) {
    return { settings };
  },
  secretFields: () => COMMON_SECRETS,
  kindFor: () => null,
  async test() {
    return { ok: false, error: 'No engine is configured to test connections.' };
  },
  inlineCredentials: () => null,
};
