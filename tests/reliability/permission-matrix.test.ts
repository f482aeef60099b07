import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  call,
  connections,
  createConnection,
  createOrg,
  createPrincipal,
  rootToken,
  unstract,
  type Principal,
  type Reply,
} from './support/http.js';
import { fillPath, loadRoutes, type Route } from './support/openapi-routes.js';
import {
  createTestDatabase,
  startServerProcess,
  type ServerProcess,
  type TestDatabase,
} from './support/server-process.js';
import { snapshot } from './support/snapshot.js';

// Issue 12 (4): a cross-tenant and permission matrix generated from the route list. Every
// route that takes a resource id is called by the owner, a user it is shared with, a member
// of the same org it is not shared with, and the admin of another org. Issue 18: every
// connection route (native, Unstract connector/, Meergo) is called by an admin of the org
// (writes 2xx), a member (reads 200, writes 403) and the admin of another org (404).

type Who = 'owner' | 'shared' | 'member' | 'outsider';
const WHO: Who[] = ['owner', 'shared', 'member', 'outsider'];
const MARK = 'acmesecret';
// The connection's name carries its own mark: members of acme may see it, another org may not.
const CONN_MARK = 'acmeconnection';
const CONN_PASSWORD = 'acme-connection-password-7f3e';

interface Resources {
  workflowId: string;
  pipelineId: string;
  pipelineSeq: number;
  runId: string;
  runSeq: number;
  pipelineKeyId: string;
  /** The workflow's SOURCE endpoint (Unstract's workflow/endpoint/{id}/). */
  sourceEndpointId: string;
}

/** Connections' routes (a matrix of their own: admins manage connections, members read them). */
const isConnectionRoute = (route: Route) => /\/connections(\/|$)|\/connector\//.test(route.path);

/** The value each path parameter takes for the resources under test; null: not a resource route. */
function paramsFor(route: Route, r: Resources, org: string): Record<string, string> | null {
  if (isConnectionRoute(route)) return null;
  const ids = route.pathParams.filter(
    (p) => !['org_id', 'slug', 'project_name_or_id', 'user_name_or_id', 'tag_name_or_id'].includes(p),
  );
  if (
    !ids.length ||
    route.path.startsWith('/deployment/') ||
    route.path.includes('file-histories/{id}') ||
    route.path.startsWith('/admin/')
  )
    return null;
  const values: Record<string, string> = { org_id: org };
  for (const p of ids) {
    if (route.dialect === 'meergo') values[p] = String(route.path.includes('/runs/{id}') ? r.runSeq : r.pipelineSeq);
    else if (p === 'run_id' || /execution\/\{id\}/.test(route.path)) values[p] = r.runId;
    else if (p === 'pipeline_id' || route.path.includes('/pipeline/{id}') || route.path.includes('postman_collection'))
      values[p] = r.pipelineId;
    else if (route.path.includes('/api/keys/{id}')) values[p] = r.pipelineKeyId;
    else if (route.path.includes('/workflow/endpoint/{id}')) values[p] = r.sourceEndpointId;
    else if (p === 'workflow_id' || route.path.includes('/workflow/')) values[p] = r.workflowId;
    else return null;
  }
  return values;
}

const isReading = (route: Route) => route.method === 'GET' || route.method === 'OPTIONS';
// The Postman collection carries the pipeline's active API key: only its owner gets it.
const ownerOnly = (route: Route) =>
  /\(owner|owner\)|org admins only/.test(route.summary) || route.path.includes('postman_collection');
// Starting a run needs only sight of the pipeline (core RunService.trigger: assertCanSee).
const startsRun = (route: Route) => route.method === 'POST' && /\/runs$/.test(route.path);
/** What a user the resource is shared with may do: read it (unless owner-only) and run it. */
const sharedMay = (route: Route) => (isReading(route) && !ownerOnly(route)) || startsRun(route);
// OPTIONS answers DRF's static metadata (no data) whoever asks; only leaks are checked there.
const isStatic = (route: Route) => route.method === 'OPTIONS';

/** Bodies valid enough that the outcome is about permission, not validation. */
/** Query parameters a route cannot answer without (one of several, so OpenAPI marks none required). */
const QUERY_NEEDED: Record<string, string> = { '/api/v1/runs/{run_id}/logs': '?source=orchestrator' };

function bodyFor(route: Route, r: Resources): unknown {
  if (!['POST', 'PUT', 'PATCH'].includes(route.method)) return undefined;
  if (route.dialect === 'unstract' && route.method === 'PUT' && route.path.endsWith('/pipeline/{id}/'))
    return { pipeline_name: 'hijack', workflow: r.workflowId };
  if (route.dialect === 'unstract' && route.method === 'PUT' && route.path.endsWith('/workflow/{id}/'))
    return { workflow_name: 'hijack' };
  if (route.path.endsWith('/file-histories/clear/')) return { file_path: 'x' };
  if (route.dialect === 'meergo' && route.method === 'PUT' && route.path.endsWith('/pipelines/{id}'))
    return { name: 'hijack' };
  return {};
}

/** Waits until no run is open, so background work does not look like a change a refused request made. */
async function settled(db: TestDatabase): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await db.client.query('SELECT count(*)::int AS n FROM runs WHERE ended_at IS NULL')).rows[0].n > 0) {
    if (Date.now() > deadline) throw new Error('runs did not settle');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('cross-tenant and permission matrix', () => {
  let db: TestDatabase;
  let server: ServerProcess;
  const as = {} as Record<Who, Principal>;
  let rivalAdmin: Principal;
  /** An admin of acme: connections are theirs to manage. */
  let acmeAdmin: Principal;
  /** Acme's connection under test (a postgres target that refuses at once: port 1). */
  let conn: { id: string; seq: number };
  let res: Resources;
  let routes: Route[];
  /** The bootstrap admin: the server admin. */
  let root: string;

  beforeAll(async () => {
    db = await createTestDatabase('matrix');
    // Logins are not under test here (the secrets suite limits them): the matrix signs in many principals.
    server = await startServerProcess({
      databaseUrl: db.url,
      env: { PIPEWRIGHT_SCHEDULER: 'off', LOG_LEVEL: 'warn', PIPEWRIGHT_LOGIN_RATE_LIMIT: '1000' },
    });
    root = await rootToken(server.base);
    await createOrg(server.base, root, 'acme');
    await createOrg(server.base, root, 'rival');
    // The owner is a plain member: org admins own everything in their org.
    as.owner = await createPrincipal(server.base, root, 'acme', 'member', 'owner');
    as.shared = await createPrincipal(server.base, root, 'acme', 'member', 'shared');
    as.member = await createPrincipal(server.base, root, 'acme', 'member', 'member');
    as.outsider = await createPrincipal(server.base, root, 'rival', 'admin', 'outsider');
    rivalAdmin = as.outsider;
    acmeAdmin = await createPrincipal(server.base, root, 'acme', 'admin', 'acmeadmin');
    conn = await createConnection(server.base, acmeAdmin.key, 'acme', {
      name: `${CONN_MARK}-db`,
      kind: 'postgres',
      settings: { host: '127.0.0.1', port: 1, database: 'none', user: 'etl', password: CONN_PASSWORD },
    });

    const o = as.owner;
    const w = await call(server.base, 'POST', `${unstract('acme')}/workflow/`, {
      auth: o.key,
      json: {
        workflow_name: `${MARK}-workflow`,
        source_settings: { connector: 'inline', settings: { records: [{ a: 1 }] } },
        destination_settings: { connector: 'none', settings: {} },
      },
    });
    expect(w.status).toBe(201);
    const p = await call(server.base, 'POST', `${unstract('acme')}/pipeline/`, {
      auth: o.key,
      json: { pipeline_name: `${MARK}-pipeline`, workflow: w.body.id },
    });
    expect(p.status).toBe(201);
    expect(
      (
        await call(server.base, 'PATCH', `${unstract('acme')}/workflow/${w.body.id}/`, {
          auth: o.key,
          json: { shared_users: [as.shared.id] },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call(server.base, 'POST', `${unstract('acme')}/pipeline/${p.body.id}/share/`, {
          auth: o.key,
          json: { shared_users: [as.shared.id] },
        })
      ).status,
    ).toBeLessThan(300);
    const run = await call(server.base, 'POST', `${unstract('acme')}/pipeline/execute/`, {
      auth: o.key,
      json: { pipeline_id: p.body.id },
    });
    expect(run.status).toBeLessThan(300);
    const keys = await call(server.base, 'GET', `${unstract('acme')}/api/keys/pipeline/${p.body.id}/`, { auth: o.key });
    expect(keys.status).toBe(200);
    const seqs = await db.client.query(
      'SELECT (SELECT seq FROM pipelines WHERE id = $1) AS p, (SELECT seq FROM runs WHERE id = $2) AS r',
      [p.body.id, run.body.execution.execution_id],
    );
    const endpoints = await call(server.base, 'GET', `${unstract('acme')}/workflow/${w.body.id}/endpoint/`, {
      auth: o.key,
    });
    const sourceEndpointId = (endpoints.body as { id: string; endpoint_type: string }[]).find(
      (e) => e.endpoint_type === 'SOURCE',
    )!.id;
    res = {
      workflowId: w.body.id,
      pipelineId: p.body.id,
      pipelineSeq: seqs.rows[0].p,
      runId: run.body.execution.execution_id,
      runSeq: seqs.rows[0].r,
      pipelineKeyId: keys.body[0].id,
      sourceEndpointId,
    };
    routes = await loadRoutes(server.base);
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    if (server) writeFileSync(join(tmpdir(), 'pipewright-reliability-matrix.log'), server.logs());
    server?.cleanup();
    await db?.drop();
  });

  /** Calls a route as a principal; Meergo needs the workspace (org seq) only for tokens, keys carry it. */
  const hit = (route: Route, who: Who, values: Record<string, string>): Promise<Reply> => {
    const p = as[who];
    // Unstract puts the org in the path: each caller names its own org, as a client of it would.
    const path =
      fillPath(route.path, { ...values, org_id: route.dialect === 'unstract' ? p.org : values.org_id! }) +
      (QUERY_NEEDED[route.path] ?? '');
    return call(server.base, route.method, path, { auth: p.key, json: bodyFor(route, res) });
  };

  it('gives each principal the documented outcome on every resource route, and changes nothing it refuses', async () => {
    const cells: string[] = [];
    const wrong: string[] = [];
    const secrets = [MARK, res.workflowId, res.pipelineId, res.runId, res.pipelineKeyId, as.owner.email];
    for (const route of routes) {
      const values = paramsFor(route, res, 'acme');
      if (!values) continue;
      for (const who of WHO) {
        // The owner only reads: its writes would consume the fixtures the other cells need.
        if (who === 'owner' && !isReading(route)) continue;
        await settled(db);
        const before = await snapshot(db.client);
        const r = await hit(route, who, values);
        if (r.status < 300) await settled(db);
        const after = await snapshot(db.client);
        const label = `${route.dialect} ${route.method} ${route.path} as ${who} → ${r.status}`;
        cells.push(label);
        const ok = r.status >= 200 && r.status < 300;
        let expected: string;
        if (isStatic(route)) expected = r.status < 500 ? '' : 'no 5xx';
        else if (who === 'owner') expected = ok ? '' : '2xx';
        else if (who === 'shared')
          expected = sharedMay(route) ? (ok ? '' : '2xx') : [403, 404].includes(r.status) ? '' : '403';
        else expected = [401, 403, 404].includes(r.status) ? '' : '404/403';
        if (expected) wrong.push(`${label}, expected ${expected}: ${r.text.slice(0, 160)}`);
        if (!ok && JSON.stringify(before) !== JSON.stringify(after))
          wrong.push(`${label}: refused but changed the database`);
        if (!ok) {
          // An error may echo what the caller sent (the id in its URL), nothing more.
          const leaked = secrets.filter((s) => r.text.includes(s) && !fillPath(route.path, values).includes(s));
          if (leaked.length) wrong.push(`${label}: error body leaks ${leaked.join(', ')}`);
        }
        if (who === 'member' || who === 'outsider') {
          if (ok) {
            const leaked = secrets.filter((s) => r.text.includes(s));
            if (leaked.length) wrong.push(`${label}: body leaks ${leaked.join(', ')}`);
          }
        }
      }
    }
    writeFileSync(join(tmpdir(), 'pipewright-reliability-matrix.txt'), cells.join('\n'));
    console.log(`matrix: ${cells.length} cells over ${new Set(cells.map((c) => c.split(' as ')[0])).size} routes`);
    expect(cells.length).toBeGreaterThan(100);
    expect(wrong).toEqual([]);
  }, 600_000);

  it('gives admins, members and other orgs the documented outcome on every connection route, and changes nothing it refuses', async () => {
    type ConnWho = 'admin' | 'member' | 'outsider';
    const principals: Record<ConnWho, Principal> = { admin: acmeAdmin, member: as.member, outsider: rivalAdmin };
    const connRoutes = routes.filter(isConnectionRoute);
    expect(connRoutes.length).toBeGreaterThanOrEqual(10);
    const settings = { host: '127.0.0.1', port: 1, database: 'none', user: 'etl', password: 'pw-of-a-new-connection' };
    let made = 0;
    /** A body valid enough that the outcome is about permission, not validation. */
    const connBody = (route: Route): unknown => {
      if (!['POST', 'PUT', 'PATCH'].includes(route.method)) return undefined;
      const name = `${CONN_MARK}-made-${++made}`;
      if (route.path.endsWith('/{id}/test')) return undefined;
      if (route.path.endsWith('/connections/test')) return { kind: 'postgres', settings };
      if (route.dialect === 'unstract')
        return route.method === 'PATCH'
          ? { description: 'changed' }
          : { connector_name: name, connector_id: 'postgres', connector_metadata: settings };
      if (route.method === 'POST') return { name, kind: 'postgres', settings };
      return { description: 'changed' };
    };
    const cells: string[] = [];
    const wrong: string[] = [];
    for (const route of connRoutes) {
      const hasId = route.pathParams.includes('id');
      for (const who of ['member', 'outsider', 'admin'] as ConnWho[]) {
        const p = principals[who];
        // Unstract and Meergo name the caller's own org (path, key): another org's list or create is its own business.
        const ownOrg = route.dialect === 'unstract' || route.dialect === 'meergo';
        if (who === 'outsider' && !hasId && ownOrg) continue;
        // The admin deletes a connection of its own making, so the one under test stays.
        let target = conn;
        if (who === 'admin' && route.method === 'DELETE')
          target = await createConnection(server.base, acmeAdmin.key, 'acme', {
            name: `${CONN_MARK}-doomed-${++made}`,
            kind: 'postgres',
            settings,
          });
        const values = {
          slug: 'acme',
          org_id: ownOrg ? p.org : 'acme',
          id: route.dialect === 'meergo' ? String(target.seq) : target.id,
        };
        const path = fillPath(route.path, values);
        await settled(db);
        const before = await snapshot(db.client);
        const r = await call(server.base, route.method, path, { auth: p.key, json: connBody(route) });
        const after = await snapshot(db.client);
        const label = `${route.dialect} ${route.method} ${route.path} as ${who} → ${r.status}`;
        cells.push(label);
        const ok = r.status >= 200 && r.status < 300;
        const reading = isReading(route);
        let expected: number | '2xx' | '' = '';
        if (isStatic(route)) expected = r.status < 500 ? '' : '2xx';
        else if (who === 'admin') expected = ok ? '' : '2xx';
        else if (who === 'member') expected = reading ? (r.status === 200 ? '' : 200) : r.status === 403 ? '' : 403;
        else expected = r.status === 404 ? '' : 404;
        if (expected !== '') wrong.push(`${label}, expected ${expected}: ${r.text.slice(0, 160)}`);
        if (!ok && JSON.stringify(before) !== JSON.stringify(after))
          wrong.push(`${label}: refused but changed the database`);
        if (r.text.includes(CONN_PASSWORD)) wrong.push(`${label}: the connection's password in the answer`);
        if (who === 'outsider') {
          const leaked = [CONN_MARK, conn.id, acmeAdmin.email].filter((s) => r.text.includes(s) && !path.includes(s));
          if (leaked.length) wrong.push(`${label}: leaks ${leaked.join(', ')}`);
        }
      }
    }
    // The connection under test is still there, unchanged in kind, for every later cell.
    expect((await call(server.base, 'GET', `${connections('acme')}/${conn.id}`, { auth: as.member.key })).status).toBe(
      200,
    );
    writeFileSync(join(tmpdir(), 'pipewright-reliability-matrix-connections.txt'), cells.join('\n'));
    console.log(`connection matrix: ${cells.length} cells over ${connRoutes.length} routes`);
    expect(wrong).toEqual([]);
  }, 300_000);

  it('shows no other org’s data in any list, filter or count', async () => {
    const secrets = [
      MARK,
      res.workflowId,
      res.pipelineId,
      res.runId,
      res.pipelineKeyId,
      as.owner.email,
      as.owner.id,
      CONN_MARK,
      conn.id,
      CONN_PASSWORD,
    ];
    const lists = routes.filter(
      (r) =>
        r.method === 'GET' &&
        r.pathParams.every((p) => p === 'org_id' || p === 'project_name_or_id' || p === 'slug') &&
        !r.path.startsWith('/docs'),
    );
    const leaks: string[] = [];
    let checked = 0;
    for (const route of lists) {
      const path = fillPath(route.path, { org_id: 'rival', project_name_or_id: 'rival', slug: 'rival' });
      // Filters and searches aimed at the other org's names and ids, as well as the bare list.
      for (const query of [
        '',
        `?name=contains:${MARK}`,
        `?search=${MARK}`,
        `?pipeline_id=${res.pipelineId}`,
        `?project=acme`,
        '?org=acme',
        `?user=${as.owner.id}`,
      ]) {
        const r = await call(server.base, 'GET', path + query, { auth: rivalAdmin.key });
        checked++;
        expect(r.status).toBeLessThan(500);
        const leaked = secrets.filter((s) => r.text.includes(s));
        if (leaked.length) leaks.push(`${route.dialect} GET ${path}${query} → ${r.status} leaks ${leaked.join(', ')}`);
        // Counts: the rival org has no pipelines or runs, so every count it is shown is 0.
        const total =
          r.body && typeof r.body === 'object'
            ? ((r.body as Record<string, unknown>).total ?? (r.body as Record<string, unknown>).count)
            : undefined;
        if (
          r.status === 200 &&
          typeof total === 'number' &&
          total !== 0 &&
          /pipeline|run|workflow|execution|connection|connector/.test(route.path)
        )
          leaks.push(`${route.dialect} GET ${path}${query}: total ${total}`);
      }
    }
    // The member the resources are not shared with sees none of them either.
    for (const route of lists) {
      const r = await call(
        server.base,
        'GET',
        fillPath(route.path, { org_id: 'acme', project_name_or_id: 'acme', slug: 'acme' }),
        { auth: as.member.key },
      );
      checked++;
      const leaked = [MARK, res.workflowId, res.pipelineId, res.runId].filter((s) => r.text.includes(s));
      if (leaked.length) leaks.push(`${route.dialect} GET ${route.path} as member → leaks ${leaked.join(', ')}`);
    }
    console.log(`lists: ${checked} list/filter requests checked`);
    expect(leaks).toEqual([]);
  }, 600_000);
});

// Issue 27: the server-admin role apart from organization admins, and the membership routes
// (invitations with consent, leaving, removing, deactivating). Each cell: who calls, the
// status expected; a refused call changes nothing.
describe('server roles and membership routes', () => {
  let db: TestDatabase;
  let server: ServerProcess;
  let root: string;
  let acmeAdmin: Principal;
  let member: Principal;
  let rivalAdmin: Principal;

  beforeAll(async () => {
    db = await createTestDatabase('matrixroles');
    server = await startServerProcess({
      databaseUrl: db.url,
      env: { PIPEWRIGHT_SCHEDULER: 'off', LOG_LEVEL: 'warn', PIPEWRIGHT_LOGIN_RATE_LIMIT: '1000' },
    });
    root = await rootToken(server.base);
    await createOrg(server.base, root, 'acme');
    await createOrg(server.base, root, 'rival');
    acmeAdmin = await createPrincipal(server.base, root, 'acme', 'admin', 'acmeadmin');
    member = await createPrincipal(server.base, root, 'acme', 'member', 'member');
    rivalAdmin = await createPrincipal(server.base, root, 'rival', 'admin', 'rivaladmin');
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    server?.cleanup();
    await db?.drop();
  });

  it("gives the server admin, an org admin, a member and another org's admin the documented outcome, and changes nothing it refuses", async () => {
    type Who = 'server-admin' | 'org-admin' | 'member' | 'outsider';
    const cred = (who: Who) =>
      ({ 'server-admin': root, 'org-admin': acmeAdmin.key, member: member.key, outsider: rivalAdmin.key })[who];
    let n = 0;
    const fresh = () => createPrincipal(server.base, root, 'acme', 'member', `extra${++n}`);
    const invite = async (email: string) =>
      (
        await call(server.base, 'POST', '/admin/api/v1/organizations/acme/invitations', {
          auth: acmeAdmin.key,
          json: { email },
        })
      ).body.id as string;
    // [label, who, expected status, the request (built fresh for each cell)]
    type Cell = [string, Who, number, () => Promise<{ method: string; path: string; json?: unknown; auth?: string }>];
    const route = (method: string, path: string, json?: unknown) => async () => ({ method, path, json });
    const cells: Cell[] = [];
    const all: Who[] = ['server-admin', 'org-admin', 'member', 'outsider'];
    const serverOnly = (label: string, build: (who: Who) => Cell[3], ok: number) =>
      all.forEach((who) => cells.push([label, who, who === 'server-admin' ? ok : 403, build(who)]));
    /** The organization each caller names where the native API needs one. */
    const ownOrg = (who: Who) =>
      ({ 'server-admin': 'main', 'org-admin': 'acme', member: 'acme', outsider: 'rival' })[who];
    serverOnly('GET /admin/api/v1/workers', () => route('GET', '/admin/api/v1/workers'), 200);
    serverOnly('GET /admin/api/v1/server/organizations', () => route('GET', '/admin/api/v1/server/organizations'), 200);
    serverOnly(
      'POST /admin/api/v1/organizations',
      (who) => async () => ({
        method: 'POST',
        path: `/admin/api/v1/organizations?org=${ownOrg(who)}`,
        json: { slug: `made-${++n}-${Date.now() % 100000}` },
      }),
      201,
    );
    serverOnly(
      'PUT /admin/api/v1/organizations/{slug}/run-limit',
      () => route('PUT', '/admin/api/v1/organizations/acme/run-limit', { maxConcurrentRuns: null }),
      200,
    );
    serverOnly(
      'POST /admin/api/v1/users/{id}/deactivate',
      () => async () => ({ method: 'POST', path: `/admin/api/v1/users/${(await fresh()).id}/deactivate` }),
      200,
    );
    serverOnly(
      'PUT /admin/api/v1/users/{id}/server-admin',
      () => async () => ({
        method: 'PUT',
        path: `/admin/api/v1/users/${(await fresh()).id}/server-admin`,
        json: { serverAdmin: true },
      }),
      200,
    );
    // Creating an account: an org admin invites instead, so no answer tells them an email has an account elsewhere.
    serverOnly(
      'POST /admin/api/v1/users',
      (who) => async () => ({
        method: 'POST',
        path: `/admin/api/v1/users?org=${ownOrg(who)}`,
        json: { email: `created-${++n}-${who}@example.com`, password: 'a-long-passphrase-1' },
      }),
      201,
    );
    for (const who of all) {
      const orgAdminMay = who === 'server-admin' || who === 'org-admin';
      // The outsider is no member of acme: refused as for every org route of the native API.
      cells.push([
        'POST /admin/api/v1/organizations/{slug}/invitations',
        who,
        orgAdminMay ? 201 : 403,
        route('POST', '/admin/api/v1/organizations/acme/invitations', { email: `invitee-${who}@example.com` }),
      ]);
      cells.push([
        'POST /admin/api/v1/organizations/{slug}/members',
        who,
        orgAdminMay ? 201 : 403,
        route('POST', '/admin/api/v1/organizations/acme/members', { email: `added-${who}@example.com` }),
      ]);
      cells.push([
        'DELETE /admin/api/v1/organizations/{slug}/members/{userId}',
        who,
        orgAdminMay ? 204 : 403,
        async () => ({ method: 'DELETE', path: `/admin/api/v1/organizations/acme/members/${(await fresh()).id}` }),
      ]);
      cells.push(['GET /admin/api/v1/invitations', who, 200, route('GET', '/admin/api/v1/invitations')]);
      // Someone else's invitation: not found, whoever asks (only its invitee may answer it).
      cells.push([
        'POST /admin/api/v1/invitations/{id}/accept',
        who,
        404,
        async () => ({
          method: 'POST',
          path: `/admin/api/v1/invitations/${await invite(`someone-${who}-a@example.com`)}/accept`,
        }),
      ]);
      cells.push([
        'POST /admin/api/v1/invitations/{id}/decline',
        who,
        404,
        async () => ({
          method: 'POST',
          path: `/admin/api/v1/invitations/${await invite(`someone-${who}-d@example.com`)}/decline`,
        }),
      ]);
    }
    // Their own: the invitee accepts or declines; a member leaves; the outsider is no member of acme.
    cells.push([
      'POST /admin/api/v1/invitations/{id}/accept (invitee)',
      'member',
      200,
      async () => {
        const invitee = await createPrincipal(server.base, root, 'rival', 'member', `invitee${++n}`);
        return {
          method: 'POST',
          path: `/admin/api/v1/invitations/${await invite(invitee.email)}/accept`,
          auth: invitee.key,
        };
      },
    ]);
    cells.push([
      'POST /admin/api/v1/invitations/{id}/decline (invitee)',
      'member',
      204,
      async () => {
        const invitee = await createPrincipal(server.base, root, 'rival', 'member', `decliner${++n}`);
        return {
          method: 'POST',
          path: `/admin/api/v1/invitations/${await invite(invitee.email)}/decline`,
          auth: invitee.key,
        };
      },
    ]);
    cells.push([
      'DELETE /admin/api/v1/organizations/{slug}/members/me',
      'member',
      204,
      async () => ({
        method: 'DELETE',
        path: '/admin/api/v1/organizations/acme/members/me',
        auth: (await fresh()).token,
      }),
    ]);
    cells.push([
      'DELETE /admin/api/v1/organizations/{slug}/members/me',
      'outsider',
      403,
      route('DELETE', '/admin/api/v1/organizations/acme/members/me'),
    ]);

    const wrong: string[] = [];
    for (const [label, who, expected, build] of cells) {
      const req = await build();
      const before = await snapshot(db.client);
      const r = await call(server.base, req.method, req.path, { auth: req.auth ?? cred(who), json: req.json });
      const after = await snapshot(db.client);
      if (r.status !== expected)
        wrong.push(`${label} as ${who} → ${r.status}, expected ${expected}: ${r.text.slice(0, 160)}`);
      if (r.status >= 300 && JSON.stringify(before) !== JSON.stringify(after))
        wrong.push(`${label} as ${who}: refused but changed the database`);
    }
    console.log(`roles matrix: ${cells.length} cells`);
    expect(wrong).toEqual([]);
  }, 300_000);
});
