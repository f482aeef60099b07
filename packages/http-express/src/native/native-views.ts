import type { ApiKey, Connection, Organization, Pipeline, RetryPolicy, Role, Run, User } from '@pipewright/core';
import { secretFlags } from '../shared/connection-settings.js';

export const orgView = (o: Organization, role?: Role) => ({
  id: o.id,
  slug: o.slug,
  seq: o.seq,
  name: o.name,
  mode: o.mode,
  /** Its own limit on runs executing at once (null: the operator's default); members may read it, server admins set it. */
  max_concurrent_runs: o.maxConcurrentRuns,
  ...(role ? { role } : {}),
});

export const userView = (u: User, role?: Role) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  is_active: u.isActive,
  ...(role ? { role } : {}),
});

export const keyView = (k: ApiKey) => ({
  id: k.id,
  prefix: k.prefix,
  kind: k.kind,
  description: k.description,
  is_active: k.isActive,
  last_used_at: k.lastUsedAt?.toISOString() ?? null,
  expires_at: k.expiresAt?.toISOString() ?? null,
  created_at: k.createdAt.toISOString(),
});

export const retryView = (r: RetryPolicy) => ({
  max_attempts: r.spec.maxAttempts,
  backoff_seconds: r.spec.backoffSeconds,
  backoff_multiplier: r.spec.backoffMultiplier,
  max_backoff_seconds: r.spec.maxBackoffSeconds,
});

export const pipelineView = (p: Pipeline) => ({
  id: p.id,
  seq: p.seq,
  name: p.name,
  description: p.description,
  type: p.type,
  workflow_id: p.workflowId,
  owner_id: p.ownerId,
  enabled: p.enabled,
  incremental: p.incremental,
  updated_at_column: p.updatedAtColumn,
  retry: retryView(p.retry),
  /** Its own wall-clock limit of a run, in seconds (null: the operator's maximum only). */
  run_timeout_seconds: p.runTimeoutSeconds,
  run_count: p.runCount,
  last_run: p.lastRun ? { id: p.lastRun.id, at: p.lastRun.at.toISOString(), status: p.lastRun.status } : null,
  created_at: p.createdAt.toISOString(),
  updated_at: p.updatedAt.toISOString(),
});

export const runView = (r: Run) => ({
  id: r.id,
  seq: r.seq,
  pipeline_id: r.pipelineId,
  workflow_id: r.workflowId,
  status: r.status,
  /** 1 for the first; more after retryable failures (the pipeline's retry policy). */
  attempt: r.attempt,
  trigger: r.trigger,
  incremental: r.incremental,
  error: r.error,
  stages: r.stages,
  files: r.files,
  created_at: r.createdAt.toISOString(),
  started_at: r.startedAt?.toISOString() ?? null,
  ended_at: r.endedAt?.toISOString() ?? null,
});

/**
 * A connection as every native view shows it: secret fields are present as "********" in
 * `settings` and listed in `secret_fields`; their values never leave the server. Snake_case
 * answers, as everywhere in this API.
 */
export const connectionView = (c: Connection, extra: { workflows?: Array<{ id: string; name: string }> } = {}) => ({
  id: c.id,
  seq: c.seq,
  name: c.name,
  description: c.description,
  kind: c.kind,
  settings: c.maskedSettings(),
  secret_fields: c.secretFields,
  ...secretFlags(c),
  created_by: c.createdBy,
  modified_by: c.modifiedBy,
  created_at: c.createdAt.toISOString(),
  updated_at: c.updatedAt.toISOString(),
  ...(extra.workflows ? { workflows: extra.workflows } : {}),
});

/** Opaque cursors for native lists (they carry the next page; clients must not parse them). */
export function encodeCursor(page: number): string {
  return Buffer.from(JSON.stringify({ p: page })).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number {
  if (!cursor) return 1;
  try {
    const p = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')).p;
    if (Number.isInteger(p) && p >= 1) return p;
  } catch {
    // fall through
  }
  return Number.NaN;
}
