import { randomUUID } from 'node:crypto';
import { Pipeline, Run, emptyCounters, type Actor, type RunStatus } from '@pipewright/core';
import type { TestServer, TestUser } from '../support/test-server.js';

/** Helpers for the ZenML-style HTTP tests: JSON calls, and fixtures written with chosen timestamps. */

export interface JsonResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** A call with a bearer token; the body parsed as JSON (null for an empty body). */
export async function call<T = any>(
  server: TestServer,
  path: string,
  init: RequestInit & { auth?: string; json?: unknown } = {},
): Promise<JsonResponse<T>> {
  const res = await server.fetch(path, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

/** GET with a token, expecting 200; returns the body. */
export async function get<T = any>(server: TestServer, path: string, token: string): Promise<T> {
  const res = await call<T>(server, path, { auth: token });
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The names of a page's items, in order. */
export async function names(server: TestServer, path: string, token: string): Promise<string[]> {
  const page = await get<{ items: { name: string }[] }>(server, path, token);
  return page.items.map((i) => i.name);
}

/** `%Y-%m-%d %H:%M:%S`, ZenML's filter datetime format. */
export function zenmlTime(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

export const at = (iso: string) => new Date(iso);

/** A workflow for fixtures, shared to the org (what pipelines bind). */
export async function fixtureWorkflow(server: TestServer, admin: TestUser): Promise<string> {
  const wf = await server.core.workflows.create(admin.actor, { name: `fixtures-${randomUUID().slice(0, 8)}` });
  await server.core.workflows.share(admin.actor, wf.id, { userIds: [], toOrg: true });
  return wf.id;
}

/**
 * Inserts a pipeline straight into storage with chosen creation / update times, owner and
 * tags (created in the owner's org when missing), so datetime filters can be tested.
 */
export async function seedPipeline(
  server: TestServer,
  input: {
    owner: Actor;
    workflowId: string;
    name: string;
    createdAt: Date;
    updatedAt?: Date;
    description?: string | null;
    tags?: string[];
    sharedToOrg?: boolean;
  },
): Promise<Pipeline> {
  const storage = server.built.storage;
  const p = Pipeline.create({
    id: randomUUID(),
    seq: await storage.pipelines.nextSeq(),
    orgId: input.owner.orgId,
    name: input.name,
    description: input.description ?? null,
    workflowId: input.workflowId,
    ownerId: input.owner.userId,
    now: input.createdAt,
  });
  for (const name of input.tags ?? []) {
    const tag =
      (await storage.tags.findByName(input.owner.orgId, name)) ??
      (await server.core.tags.create(input.owner, { name }));
    p.addTag(tag, input.owner.userId, input.createdAt);
  }
  if (input.sharedToOrg) p.share([], true, input.owner.userId, input.createdAt);
  if (input.updatedAt) p.describe(input.description ?? null, input.owner.userId, input.updatedAt);
  await storage.pipelines.insert(p);
  return p;
}

/**
 * Inserts a run of a pipeline in a given status at a given time (no executor involved),
 * with the pipeline's bookkeeping (run index, latest run) as core keeps it.
 */
export async function seedRun(
  server: TestServer,
  input: { pipelineId: string; status: RunStatus; at: Date; by?: string | null },
): Promise<Run> {
  return server.built.storage.transaction(async (tx) => {
    const pipeline = (await tx.pipelines.findByIdForUpdate(input.pipelineId))!;
    const id = randomUUID();
    const index = pipeline.recordRunStarted({ id, status: 'PENDING', createdAt: input.at });
    const run = Run.create({
      id,
      seq: await tx.runs.nextSeq(),
      orgId: pipeline.orgId,
      pipelineId: pipeline.id,
      workflowId: pipeline.workflowId,
      index,
      trigger: 'api',
      triggeredBy: input.by ?? null,
      now: input.at,
    });
    const later = new Date(input.at.getTime() + 1000);
    const files = { total: 0, ok: 0, failed: 0 };
    if (input.status !== 'PENDING') run.start(input.at, new Date(input.at.getTime() + 3600_000), 'attempt-1');
    if (input.status === 'COMPLETED') run.complete(later, emptyCounters(), files);
    if (input.status === 'ERROR') run.fail('boom', later, emptyCounters(), files);
    if (input.status === 'STOPPING' || input.status === 'STOPPED') run.requestCancel(null, later);
    if (input.status === 'STOPPED') run.markStopped(later, emptyCounters(), files);
    await tx.runs.insert(run);
    if (run.isTerminal) pipeline.recordRunFinished(run);
    await tx.pipelines.update(pipeline);
    return run;
  });
}

/** Logs in with the password grant; returns the access token. */
export async function login(server: TestServer, username: string, password: string): Promise<string> {
  const res = await server.fetch('/api/v1/login', {
    method: 'POST',
    body: new URLSearchParams({ username, password }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/**
 * A project with four pipelines and their runs, for the filter, sort and paging tests:
 *
 * | pipeline     | owner | created          | updated          | tags      | runs (latest last)                          |
 * |--------------|-------|------------------|------------------|-----------|---------------------------------------------|
 * | alpha-etl    | alice | 2024-01-10 09:00 | = created        | prod, etl | completed 05-01 (alice), failed 05-03 (bob) |
 * | beta-etl     | bob   | 2024-02-10 09:00 | 2024-03-20 00:00 | dev       | stopped 05-02 (alice)                       |
 * | gamma-report | alice | 2024-03-10 09:00 | = created        | –         | –  (shared with the org)                    |
 * | delta_50%    | bob   | 2024-04-10 09:00 | = created        | prod      | initializing 05-04 (alice)                  |
 */
export interface World {
  slug: string;
  orgId: string;
  admin: TestUser;
  alice: TestUser;
  bob: TestUser;
  carol: TestUser;
  workflowId: string;
  p: Record<'alpha' | 'beta' | 'gamma' | 'delta', Pipeline>;
}

export async function seedWorld(server: TestServer, slug: string): Promise<World> {
  const org = await server.organization(slug);
  const alice = await server.user({ orgSlug: slug, email: `alice@${slug}.test` });
  const bob = await server.user({ orgSlug: slug, email: `bob@${slug}.test` });
  const carol = await server.user({ orgSlug: slug, email: `carol@${slug}.test` });
  const workflowId = await fixtureWorkflow(server, org.admin);
  const seed = (
    owner: TestUser,
    name: string,
    created: string,
    extra: { tags?: string[]; updated?: string; shared?: boolean } = {},
  ) =>
    seedPipeline(server, {
      owner: owner.actor,
      workflowId,
      name,
      createdAt: at(created),
      updatedAt: extra.updated ? at(extra.updated) : undefined,
      tags: extra.tags,
      sharedToOrg: extra.shared,
    });
  const alpha = await seed(alice, 'alpha-etl', '2024-01-10T09:00:00Z', { tags: ['prod', 'etl'] });
  const beta = await seed(bob, 'beta-etl', '2024-02-10T09:00:00Z', { tags: ['dev'], updated: '2024-03-20T00:00:00Z' });
  const gamma = await seed(alice, 'gamma-report', '2024-03-10T09:00:00Z', { shared: true });
  const delta = await seed(bob, 'delta_50%', '2024-04-10T09:00:00Z', { tags: ['prod'] });
  await seedRun(server, { pipelineId: alpha.id, status: 'COMPLETED', at: at('2024-05-01T00:00:00Z'), by: alice.id });
  await seedRun(server, { pipelineId: alpha.id, status: 'ERROR', at: at('2024-05-03T00:00:00Z'), by: bob.id });
  await seedRun(server, { pipelineId: beta.id, status: 'STOPPED', at: at('2024-05-02T00:00:00Z'), by: alice.id });
  await seedRun(server, { pipelineId: delta.id, status: 'PENDING', at: at('2024-05-04T00:00:00Z'), by: alice.id });
  return { slug, orgId: org.id, admin: org.admin, alice, bob, carol, workflowId, p: { alpha, beta, gamma, delta } };
}
