import { emptyCounters, type Actor, type Core } from '@pipewright/core';
import type { TestServer, TestUser } from '../support/test-server.js';

/** Helpers shared by the Unstract route tests. */

export const api = (slug: string) => `/api/v1/unstract/${slug}`;

export interface Reply {
  status: number;
  /** Parsed JSON (read loosely in tests), or the text. */
  body: any;
  headers: Headers;
}

/** One request with a bearer credential (a user's personal key unless `credential` is given). */
export async function call(
  server: TestServer,
  method: string,
  path: string,
  options: {
    as?: TestUser | null;
    credential?: string;
    json?: unknown;
    body?: RequestInit['body'];
    headers?: Record<string, string>;
  } = {},
): Promise<Reply> {
  const auth = options.credential ?? (options.as === null ? undefined : (options.as ?? server.admin).apiKey);
  const res = await server.fetch(path, {
    method,
    auth,
    json: options.json,
    body: options.body,
    headers: options.headers,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: res.status, body, headers: res.headers };
}

/**
 * The principals each permission test needs, in the test org: an owner, a user the
 * resource is shared with, a member who sees it only when it is shared to the org, an
 * outsider of the same org, and the admin of another org.
 */
export interface Cast {
  owner: TestUser;
  shared: TestUser;
  member: TestUser;
  outsider: TestUser;
  foreign: TestUser;
  foreignSlug: string;
}

let orgs = 0;

export async function cast(server: TestServer): Promise<Cast> {
  const foreignSlug = `other-${++orgs}-${Date.now() % 100000}`;
  const [owner, shared, member, outsider, other] = await Promise.all([
    server.user(),
    server.user(),
    server.user(),
    server.user(),
    server.organization(foreignSlug),
  ]);
  return { owner, shared, member, outsider, foreign: other.admin, foreignSlug };
}

/** A workflow created through the routes (as `user`). */
export async function createWorkflow(
  server: TestServer,
  user: TestUser,
  name: string,
  extra: Record<string, unknown> = {},
) {
  const r = await call(server, 'POST', `${api(server.org.slug)}/workflow/`, {
    as: user,
    json: { workflow_name: name, ...extra },
  });
  if (r.status !== 201) throw new Error(`workflow create: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as { id: string; workflow_name: string };
}

/** A pipeline created through the routes (as `user`), on a new workflow unless one is given. */
export async function createPipeline(
  server: TestServer,
  user: TestUser,
  name: string,
  extra: Record<string, unknown> = {},
) {
  const workflow = (extra.workflow as string | undefined) ?? (await createWorkflow(server, user, `wf-${name}`)).id;
  const r = await call(server, 'POST', `${api(server.org.slug)}/pipeline/`, {
    as: user,
    json: { pipeline_name: name, workflow, ...extra },
  });
  if (r.status !== 201) throw new Error(`pipeline create: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as { id: string; pipeline_name: string; workflow: string };
}

export const serviceActor = (server: TestServer): Actor => ({
  kind: 'service',
  userId: server.admin.id,
  orgId: server.org.id,
  role: 'admin',
});

/** A user's int id: how the Unstract dialect shows and takes user ids. */
export async function intId(server: TestServer, user: { id: string }): Promise<number> {
  const [found] = await server.core.admin.usersByIds(serviceActor(server), [user.id]);
  if (!found) throw new Error(`no user ${user.id}`);
  return found.seq;
}

export async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Ends a run: drives it through the executor's lifecycle when it is still pending (no
 * engine wired), else waits for the engine to finish it. Returns the run's final status.
 */
export async function settleRun(
  core: Core,
  actor: Actor,
  runId: string,
  outcome: {
    status: 'COMPLETED' | 'ERROR' | 'STOPPED';
    files?: { total: number; ok: number; failed: number };
    error?: string;
  } = { status: 'COMPLETED' },
): Promise<string> {
  const begun = await core.lifecycle.begin(runId, 60_000);
  if (begun) {
    await core.lifecycle.finish(runId, begun.holder, {
      status: outcome.status,
      error: outcome.error ?? null,
      stages: emptyCounters(),
      files: outcome.files ?? { total: 0, ok: 0, failed: 0 },
    });
  } else {
    await until(async () => (await core.runs.get(actor, runId)).isTerminal);
  }
  return (await core.runs.get(actor, runId)).status;
}
