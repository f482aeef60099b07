#!/usr/bin/env node
// A small ZenML-style REST client for Pipewright, written only against ZenML's documented
// pipelines API (plain fetch, no SDK): log in, list pipelines with filters, get one, update
// its tags, delete it.
//
//   ZENML_URL=http://localhost:8080 ZENML_USERNAME=admin@example.com ZENML_PASSWORD=… \
//   ZENML_NAME_PREFIX=demo node examples/zenml-client.mjs
//
// It works on the newest pipeline whose name starts with ZENML_NAME_PREFIX: tags it
// "reviewed" (removing "draft"), then deletes it. Exits non-zero on any unexpected answer.

const base = (process.env.ZENML_URL ?? 'http://localhost:8080').replace(/\/+$/, '');
const username = process.env.ZENML_USERNAME;
const password = process.env.ZENML_PASSWORD;
const prefix = process.env.ZENML_NAME_PREFIX ?? 'demo';

if (!username || !password) {
  console.error('Set ZENML_USERNAME and ZENML_PASSWORD.');
  process.exit(2);
}

/** Calls the API; throws with ZenML's error detail unless the status is the expected one. */
async function api(method, path, { token, json, form, expect = 200 } = {}) {
  const headers = { accept: 'application/json' };
  let body;
  if (token) headers.authorization = `Bearer ${token}`;
  if (json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(json);
  }
  if (form) body = new URLSearchParams(form);
  const res = await fetch(`${base}${path}`, { method, headers, body });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (res.status !== expect) {
    // ZenML errors are {"detail": [ExceptionName, message]} (or a plain string detail).
    const detail = Array.isArray(data?.detail) ? data.detail.join(': ') : (data?.detail ?? text);
    throw new Error(`${method} ${path} answered ${res.status}, expected ${expect}: ${detail}`);
  }
  return data;
}

const tagsOf = (pipeline) => pipeline.resources.tags.map((t) => t.name).sort();

async function main() {
  // 1. OAuth2 password login → bearer token.
  const login = await api('POST', '/api/v1/login', { form: { grant_type: 'password', username, password } });
  const token = login.access_token;
  console.log(`logged in as ${username} (token type ${login.token_type})`);

  // 2. List with the filter grammar: name prefix, newest first.
  const query = new URLSearchParams({ name: `startswith:${prefix}`, sort_by: 'desc:created', size: '50' });
  const page = await api('GET', `/api/v1/pipelines?${query}`, { token });
  console.log(`found ${page.total} pipeline(s) starting with "${prefix}": ${page.items.map((p) => p.name).join(', ')}`);
  if (page.items.length === 0) return;

  // 3. Get the newest one, hydrated (metadata holds the description).
  const target = await api('GET', `/api/v1/pipelines/${page.items[0].id}?hydrate=true`, { token });
  console.log(`newest: ${target.name} (created ${target.body.created}) description=${JSON.stringify(target.metadata.description)} tags=[${tagsOf(target).join(', ')}]`);

  // 4. Update its tags. PUT always sets the description, so send the current one back.
  const updated = await api('PUT', `/api/v1/pipelines/${target.id}`, {
    token,
    json: { description: target.metadata.description, add_tags: ['reviewed'], remove_tags: ['draft'] },
  });
  console.log(`tags now: [${tagsOf(updated).join(', ')}]`);

  // The tag filter sees the change.
  const reviewed = await api('GET', `/api/v1/pipelines?${new URLSearchParams({ tags: 'reviewed', name: `startswith:${prefix}` })}`, { token });
  console.log(`pipelines tagged reviewed: ${reviewed.items.map((p) => p.name).join(', ')}`);

  // 5. Delete it: 200 with a null body, then it is gone.
  const deleted = await api('DELETE', `/api/v1/pipelines/${target.id}`, { token });
  await api('GET', `/api/v1/pipelines/${target.id}`, { token, expect: 404 });
  console.log(`deleted ${target.name} (response ${JSON.stringify(deleted)})`);
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
