/** Talks to the real server once before the bulk load: credentials and the rows to clone. */

export const TEMPLATE = 'bench-template';

async function call(url: string, init: RequestInit & { json?: unknown } = {}): Promise<any> {
  const headers = new Headers(init.headers);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(init.json);
  }
  const res = await fetch(url, { ...init, headers, body });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url} → ${res.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

export interface Seed {
  /** A personal API key: accepted by every dialect (Meergo without a workspace header). */
  apiKey: string;
}

/** Logs in as the admin and creates a personal key. */
export async function credentials(base: string, org: string, email: string, password: string): Promise<Seed> {
  const login = await call(`${base}/api/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: email, password }).toString(),
  });
  const token = login.access_token as string;
  const key = await call(`${base}/admin/api/v1/api-keys?org=${org}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    json: { description: 'bench' },
  });
  return { apiKey: key.key };
}

/** The template pipeline (an empty workflow) and one finished run of it: the rows the bulk load clones. */
export async function seedTemplate(base: string, apiKey: string): Promise<void> {
  const auth = { authorization: `Bearer ${apiKey}` };
  // An empty workflow: a run of it completes at once with zero records.
  const { id } = await call(`${base}/v1/pipelines`, {
    method: 'POST',
    headers: auth,
    json: { name: TEMPLATE, enabled: true },
  });
  const run = await call(`${base}/v1/pipelines/${id}/runs`, { method: 'POST', headers: auth, json: {} });
  for (let i = 0; i < 100; i++) {
    const r = await call(`${base}/v1/pipelines/runs/${run.id}`, { headers: auth });
    if (r.endTime) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('the template run did not finish within 10 s');
}
