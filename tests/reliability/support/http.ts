import { request as httpRequest } from 'node:http';
import { ROOT_EMAIL, ROOT_PASSWORD } from './server-process.js';

// Small HTTP helpers over fetch for the reliability tests: one call shape, a login, and
// the principals (users with a token and a personal key) the scenarios need.

export interface Reply {
  status: number;
  text: string;
  /** Parsed JSON, or undefined when the body is not JSON. */
  body: any;
  headers: Headers;
}

export interface CallOptions {
  /** A bearer credential (token or api_ key); sent as `Authorization: Bearer …`. */
  auth?: string;
  json?: unknown;
  body?: RequestInit['body'];
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export async function call(base: string, method: string, path: string, options: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.auth !== undefined) headers.authorization = `Bearer ${options.auth}`;
  if (options.json !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(base + path, {
    method,
    headers,
    body: options.json !== undefined ? JSON.stringify(options.json) : options.body,
    signal: options.signal ?? AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, text, body, headers: res.headers };
}

export async function login(base: string, email: string, password: string): Promise<string> {
  const r = await call(base, 'POST', '/api/v1/login', { body: new URLSearchParams({ username: email, password }) });
  if (r.status !== 200) throw new Error(`login ${email}: ${r.status} ${r.text}`);
  return r.body.access_token as string;
}

export const rootToken = (base: string) => login(base, ROOT_EMAIL, ROOT_PASSWORD);

export interface Principal {
  id: string;
  email: string;
  password: string;
  org: string;
  token: string;
  /** A personal key bound to `org`. */
  key: string;
  keyId: string;
}

export async function createOrg(base: string, root: string, slug: string): Promise<string> {
  const r = await call(base, 'POST', '/admin/api/v1/organizations?org=main', {
    auth: root,
    json: { slug, name: slug },
  });
  if (r.status !== 201) throw new Error(`org ${slug}: ${r.status} ${r.text}`);
  return r.body.id as string;
}

let users = 0;

/** A user in `org` (created by the root admin) with a token and a personal key. */
export async function createPrincipal(
  base: string,
  root: string,
  org: string,
  role: 'admin' | 'member',
  name = `u${++users}`,
): Promise<Principal> {
  const email = `${name}-${Date.now() % 100000}@example.com`;
  const password = `pw-${name}-${Math.random().toString(36).slice(2)}-Zz9`;
  const u = await call(base, 'POST', `/admin/api/v1/users?org=${org}`, { auth: root, json: { email, password, role } });
  if (u.status !== 201) throw new Error(`user ${email}: ${u.status} ${u.text}`);
  const token = await login(base, email, password);
  const k = await call(base, 'POST', '/admin/api/v1/api-keys', {
    auth: token,
    json: { description: `key of ${name}` },
  });
  if (k.status !== 201) throw new Error(`key ${email}: ${k.status} ${k.text}`);
  return { id: u.body.id, email, password, org, token, key: k.body.key, keyId: k.body.id };
}

export const unstract = (org: string) => `/api/v1/unstract/${org}`;

/** The native API's connections of an organization. */
export const connections = (org: string) => `/admin/api/v1/organizations/${org}/connections`;

/**
 * A connection created through the native API by an admin of its org (`admin` is a token or
 * key of an org admin, or the root token); the view (secrets masked). Throws unless 201.
 */
export async function createConnection(
  base: string,
  admin: string,
  org: string,
  input: { name: string; kind: string; settings: Record<string, unknown>; description?: string },
): Promise<{
  id: string;
  seq: number;
  name: string;
  kind: string;
  settings: Record<string, unknown>;
  [field: string]: unknown;
}> {
  const r = await call(base, 'POST', connections(org), { auth: admin, json: input });
  if (r.status !== 201) throw new Error(`connection ${input.name}: ${r.status} ${r.text}`);
  return r.body;
}

/** An Unstract workflow and a pipeline on it, owned by `p`. */
export async function createWorkflowAndPipeline(
  base: string,
  p: Principal,
  name: string,
): Promise<{ workflowId: string; pipelineId: string }> {
  const w = await call(base, 'POST', `${unstract(p.org)}/workflow/`, {
    auth: p.key,
    json: { workflow_name: `wf-${name}` },
  });
  if (w.status !== 201) throw new Error(`workflow: ${w.status} ${w.text}`);
  const pl = await call(base, 'POST', `${unstract(p.org)}/pipeline/`, {
    auth: p.key,
    json: { pipeline_name: name, workflow: w.body.id },
  });
  if (pl.status !== 201) throw new Error(`pipeline: ${pl.status} ${pl.text}`);
  return { workflowId: w.body.id, pipelineId: pl.body.id };
}

/**
 * A request through node:http, which (unlike fetch) sends anything: a body on GET, raw
 * percent sequences in the path, any header bytes.
 */
export function rawCall(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string | Buffer,
  timeoutMs = 30_000,
): Promise<Reply> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers))
            if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
          resolve({ status: res.statusCode ?? 0, text, body: parsed, headers: h });
        });
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
