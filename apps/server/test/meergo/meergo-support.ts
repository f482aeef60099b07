import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { Run, emptyCounters, type StageCounters } from '@pipewright/core';
import type { TestServer, TestUser } from '../support/test-server.js';

/** A raw HTTP exchange, for what fetch cannot send (a GET with a body, odd headers). */
export function rawRequest(
  baseUrl: string,
  init: { method: string; path: string; headers?: Record<string, string>; body?: string | Buffer; chunked?: boolean },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(init.path, baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        method: init.method,
        hostname: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        headers: init.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (init.chunked) req.setHeader('transfer-encoding', 'chunked');
    else if (init.body !== undefined) req.setHeader('content-length', Buffer.byteLength(init.body));
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}

/** The exact bytes of a Meergo error body. */
export function errorBody(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } }) + '\n';
}

/** Asserts a Meergo error response: status, content type and exact body. */
export async function expectError(res: Response, status: number, code: string, message: string): Promise<void> {
  const text = await res.text();
  expect({ status: res.status, type: res.headers.get('content-type'), body: text }).toEqual({
    status,
    type: 'application/json; charset=utf-8',
    body: errorBody(code, message),
  });
}

export interface ErrorJson {
  error: { code: string; message: string };
}

/** The status and `error.code` of a Meergo error response. */
export async function statusAndCode(res: Response): Promise<[number, string]> {
  return [res.status, ((await res.json()) as ErrorJson).error.code];
}

/** Reads a Meergo JSON success body, checking its content type and trailing newline. */
export async function jsonOf<T = Record<string, unknown>>(res: Response): Promise<T> {
  const text = await res.text();
  if (res.status !== 200) throw new Error(`expected 200, got ${res.status}: ${text}`);
  expect(res.headers.get('content-type')).toBe('application/json');
  expect(text.endsWith('\n')).toBe(true);
  return JSON.parse(text) as T;
}

/** Asserts a 200 with an empty body. */
export async function expectEmpty(res: Response): Promise<void> {
  const text = await res.text();
  expect({ status: res.status, body: text }).toEqual({ status: 200, body: '' });
}

let counter = 0;
export const uniqueName = (prefix = 'pipeline') => `${prefix}-${++counter}-${Date.now()}`;

export interface CreatedPipeline {
  seq: number;
  uuid: string;
  workflow: string;
  name: string;
}

/** POST /v1/pipelines (enabled unless told otherwise), then GET it for its uuid and workflow. */
export async function createPipeline(
  server: TestServer,
  user: TestUser,
  body: Record<string, unknown> = {},
): Promise<CreatedPipeline> {
  const name = (body.name as string | undefined) ?? uniqueName();
  const created = await jsonOf<{ id: number }>(
    await server.fetch('/v1/pipelines', { method: 'POST', auth: user.apiKey, json: { enabled: true, ...body, name } }),
  );
  const got = await jsonOf<{ uuid: string; workflow: string }>(
    await server.fetch(`/v1/pipelines/${created.id}`, { auth: user.apiKey }),
  );
  return { seq: created.id, uuid: got.uuid, workflow: got.workflow, name };
}

export type RunFixtureStatus = 'PENDING' | 'EXECUTING' | 'STOPPING' | 'COMPLETED' | 'ERROR' | 'STOPPED';

/**
 * Inserts a run straight into storage, in a given state and without an executor, so tests
 * about open runs and counters do not depend on whether an engine is attached.
 */
export async function insertRun(
  server: TestServer,
  input: {
    orgId: string;
    pipelineId: string | null;
    workflowId: string;
    status: RunFixtureStatus;
    stages?: StageCounters;
    error?: string;
    at?: Date;
  },
): Promise<Run> {
  const storage = server.built.storage;
  const now = input.at ?? new Date();
  const stages = input.stages ?? emptyCounters();
  const files = { total: 1, ok: 1, failed: 0 };
  const run = Run.create({
    id: randomUUID(),
    seq: await storage.runs.nextSeq(),
    orgId: input.orgId,
    pipelineId: input.pipelineId,
    workflowId: input.workflowId,
    trigger: 'api',
    triggeredBy: null,
    now,
  });
  const later = new Date(now.getTime() + 1000);
  if (input.status !== 'PENDING') run.start(now, new Date(now.getTime() + 10 * 60_000), 'attempt-1');
  if (input.status === 'EXECUTING') run.recordProgress(stages, files, later);
  if (input.status === 'STOPPING') run.requestCancel(null, later);
  if (input.status === 'COMPLETED') run.complete(later, stages, files);
  if (input.status === 'ERROR') run.fail(input.error ?? 'boom', later, stages, files);
  if (input.status === 'STOPPED') {
    run.requestCancel(null, later);
    run.markStopped(later, stages, files);
  }
  await storage.runs.insert(run);
  return run;
}
