import { randomBytes } from 'node:crypto';
import {
  call,
  connections,
  createOrg,
  createPrincipal,
  createWorkflowAndPipeline,
  login,
  rootToken,
  unstract,
  type Principal,
  type Reply,
} from './support/http.js';
import { refusingPostgres, refusingWebhook } from './support/hostile-targets.js';
import { fillPath, loadRoutes, type Route } from './support/openapi-routes.js';
import {
  ROOT_EMAIL,
  ROOT_PASSWORD,
  createTestDatabase,
  startServerProcess,
  type ServerProcess,
  type TestDatabase,
} from './support/server-process.js';

// Issue 12 (5): issued secrets (passwords, personal keys, pipeline keys, tokens) never appear
// in plaintext in any table or in the server's logs; revoked keys stop working at once;
// login attempts are rate-limited. Issue 18: a connection's secrets (passwords, tokens,
// headers) never appear in any answer of any dialect, in any table (only sealed, in
// connections.sealed_secrets) or in the logs, even when their target refuses them and echoes them.
const LOGIN_LIMIT = 5;

/** Every row of every table of every schema (the run queue's too), as text. */
async function allRows(db: TestDatabase): Promise<{ table: string; text: string }[]> {
  const tables = (
    await db.client.query(
      `SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND schemaname NOT LIKE 'pg_toast%'`,
    )
  ).rows.map((r) => ({ schema: r.schemaname as string, table: r.tablename as string }));
  const out: { table: string; text: string }[] = [];
  for (const { schema, table } of tables) {
    const rows = await db.client.query(`SELECT t::text AS text FROM "${schema}"."${table}" t`);
    out.push({
      table: schema === 'public' ? table : `${schema}.${table}`,
      text: rows.rows.map((r) => r.text).join('\n'),
    });
  }
  return out;
}

/** A secret as written, and the encodings a careless store or log could hold it in instead. */
function forms(secret: string): string[] {
  return [
    secret,
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret).toString('hex'),
    encodeURIComponent(secret),
  ].filter((f, i, all) => all.indexOf(f) === i);
}

/** Until every run in `ids` ended (at most `ms`). */
async function ended(db: TestDatabase, ids: string[], ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (
    (await db.client.query('SELECT count(*)::int AS n FROM runs WHERE id = ANY($1) AND ended_at IS NULL', [ids]))
      .rows[0].n > 0
  ) {
    if (Date.now() > deadline) throw new Error('runs did not end');
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface SweepIds {
  connectionId: string;
  connectionSeq: number;
  workflowId: string;
  pipelineId: string;
  pipelineSeq: number;
  runId: string;
  runSeq: number;
}

/** The path of a GET route for these resources (the segment before an id names its kind); null when it takes another. */
function sweepPath(route: Route, ids: SweepIds, org: string, userId: string): string | null {
  const values: Record<string, string> = {};
  const meergo = route.dialect === 'meergo';
  for (const p of route.pathParams) {
    if (['org_id', 'slug', 'project_name_or_id'].includes(p)) values[p] = org;
    else if (p === 'user_name_or_id') values[p] = userId;
    else {
      const segment =
        route.path
          .slice(0, route.path.indexOf(`{${p}}`))
          .split('/')
          .filter(Boolean)
          .pop() ?? '';
      if (/connection|connector/.test(segment)) values[p] = meergo ? String(ids.connectionSeq) : ids.connectionId;
      else if (/run|execution|job/.test(segment) || p === 'run_id') values[p] = meergo ? String(ids.runSeq) : ids.runId;
      else if (/pipeline/.test(segment) || p === 'pipeline_id')
        values[p] = meergo ? String(ids.pipelineSeq) : ids.pipelineId;
      else if (/workflow/.test(segment) || p === 'workflow_id') values[p] = ids.workflowId;
      else return null;
    }
  }
  return fillPath(route.path, values);
}

describe('secrets', () => {
  let db: TestDatabase;
  let server: ServerProcess;
  let root: string;
  let alice: Principal;
  let bob: Principal;
  /** An admin of acme (connections are theirs to create), made before any failed login counts against the limit. */
  let carol: Principal;
  let pipelineKey: string;
  let pipelineKeyId: string;
  let pipelineId: string;

  beforeAll(async () => {
    db = await createTestDatabase('secrets');
    // Debug logging: the most a misconfigured production could write.
    server = await startServerProcess({
      databaseUrl: db.url,
      env: { PIPEWRIGHT_SCHEDULER: 'off', LOG_LEVEL: 'debug', PIPEWRIGHT_LOGIN_RATE_LIMIT: String(LOGIN_LIMIT) },
    });
    root = await rootToken(server.base);
    await createOrg(server.base, root, 'acme');
    alice = await createPrincipal(server.base, root, 'acme', 'member', 'alice');
    bob = await createPrincipal(server.base, root, 'acme', 'member', 'bob');
    carol = await createPrincipal(server.base, root, 'acme', 'admin', 'carol');
    ({ pipelineId } = await createWorkflowAndPipeline(server.base, alice, 'keyed'));
    const created = await call(server.base, 'POST', `${unstract('acme')}/api/keys/pipeline/${pipelineId}/`, {
      auth: alice.key,
      json: { description: 'second' },
    });
    expect(created.status).toBe(201);
    pipelineKey = created.body.api_key;
    pipelineKeyId = created.body.id;
    expect(pipelineKey).toBeTruthy();
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    server?.cleanup();
    await db?.drop();
  });

  it('stores and logs no password, key or token in plaintext', async () => {
    // Use every credential in every place a careless server might echo or log it.
    for (const p of [alice, bob]) {
      await call(server.base, 'GET', '/admin/api/v1/me', { auth: p.key });
      await call(server.base, 'GET', '/api/v1/pipelines', { auth: p.token });
      await call(server.base, 'GET', '/v1/pipelines/runs', { auth: p.key });
      await call(server.base, 'GET', '/api/v1/jobs/status', { auth: p.token });
      await call(server.base, 'POST', '/api/v1/login', {
        body: new URLSearchParams({ username: p.email, password: `${p.password}-wrong` }),
      });
      await call(server.base, 'POST', '/api/v1/login', { body: new URLSearchParams({ password: p.key }) });
    }
    await call(server.base, 'POST', `/deployment/pipeline/api/acme/${pipelineId}/`, { auth: pipelineKey, json: {} });
    await call(server.base, 'PUT', `/admin/api/v1/users/${bob.id}/password`, {
      auth: bob.token,
      json: { current_password: bob.password, password: 'bob-new-password-1' },
    });

    const secrets: Record<string, string> = {
      'root password': ROOT_PASSWORD,
      'alice password': alice.password,
      'bob password': bob.password,
      'bob new password': 'bob-new-password-1',
      'alice key': alice.key,
      'bob key': bob.key,
      'alice token': alice.token,
      'root token': root,
      'pipeline key': pipelineKey,
    };
    const found: string[] = [];
    for (const { table, text } of await allRows(db)) {
      for (const [name, value] of Object.entries(secrets))
        if (text.includes(value)) found.push(`${name} in table ${table}`);
    }
    const logs = server.logs();
    expect(logs.length).toBeGreaterThan(1000);
    for (const [name, value] of Object.entries(secrets)) if (logs.includes(value)) found.push(`${name} in the logs`);
    // The random part of a key must not appear either (e.g. logged without its prefix).
    for (const p of [alice, bob]) if (logs.includes(p.key.slice(8))) found.push(`${p.email}'s key body in the logs`);
    expect(found).toEqual([]);
  });

  it("keeps connections' secrets out of every answer, table and log, even when their target refuses and echoes them", async () => {
    const tag = randomBytes(6).toString('hex');
    const S = {
      'postgres password': `Conn-PG-pw-${tag}`,
      'connection string password': `Conn-URL-pw-${tag}`,
      'rotated password': `Conn-rotated-pw-${tag}`,
      'webhook token': `Conn-hook-token-${tag}`,
      'webhook header': `Conn-hook-header-${tag}`,
      'Unstract connector password': `Conn-unstract-pw-${tag}`,
      'unsaved test password': `Conn-unsaved-pw-${tag}`,
    };
    const pg = await refusingPostgres();
    const hook = await refusingWebhook();
    const answers: { what: string; text: string }[] = [];
    // An answer's body and headers.
    const keep = (what: string, r: Reply): Reply => {
      answers.push({ what: `${what} → ${r.status}`, text: r.text + JSON.stringify([...r.headers]) });
      return r;
    };
    try {
      const C = connections('acme');
      const create = async (name: string, kind: string, settings: Record<string, unknown>) => {
        const r = keep(
          `POST ${C} ${name}`,
          await call(server.base, 'POST', C, { auth: carol.key, json: { name, kind, settings } }),
        );
        expect([name, r.status, r.text.slice(0, 300)]).toEqual([name, 201, expect.anything()]);
        return r.body as { id: string; seq: number; settings: Record<string, unknown> };
      };
      const warehouse = await create('warehouse', 'postgres', {
        host: pg.host,
        port: pg.port,
        database: 'dw',
        user: 'etl',
        password: S['postgres password'],
      });
      expect(warehouse.settings.password).toBe('********');
      const warehouseUrl = await create('warehouse-url', 'postgres', {
        connectionString: `postgres://etl:${S['connection string password']}@${pg.host}:${pg.port}/dw`,
      });
      const webhook = await create('hook', 'webhook', {
        url: hook.url,
        token: S['webhook token'],
        headers: { 'x-api-key': S['webhook header'] },
      });
      const viaUnstract = keep(
        'POST Unstract connector/',
        await call(server.base, 'POST', `${unstract('acme')}/connector/`, {
          auth: carol.key,
          json: {
            connector_name: 'unstract-db',
            connector_id: 'postgres',
            connector_metadata: {
              host: pg.host,
              port: pg.port,
              database: 'dw',
              user: 'etl',
              password: S['Unstract connector password'],
            },
          },
        }),
      );
      expect([viaUnstract.status, viaUnstract.text.slice(0, 300)]).toEqual([201, expect.anything()]);
      const unstractDb = (await db.client.query(`SELECT id, seq FROM connections WHERE name = 'unstract-db'`))
        .rows[0] as { id: string; seq: number };

      // A member's workflows name the connections; one run each, every one refused by its target.
      const runs: SweepIds[] = [];
      const plans: [string, Record<string, unknown>, Record<string, unknown>, { id: string; seq: number }][] = [
        [
          'pg',
          { connector: 'postgres', connection: 'warehouse', settings: { table: 't' } },
          { connector: 'none', settings: {} },
          warehouse,
        ],
        [
          'pg-url',
          { connector: 'postgres', connection: 'warehouse-url', settings: { table: 't' } },
          { connector: 'none', settings: {} },
          warehouseUrl,
        ],
        [
          'pg-unstract',
          { connector: 'postgres', connection: 'unstract-db', settings: { table: 't' } },
          { connector: 'none', settings: {} },
          unstractDb,
        ],
        [
          'hook',
          { connector: 'inline', settings: { records: [{ n: 1 }] } },
          { connector: 'webhook', connection: 'hook', settings: { maxAttempts: 1 } },
          webhook,
        ],
      ];
      for (const [name, source, destination, connection] of plans) {
        const w = keep(
          `POST workflow ${name}`,
          await call(server.base, 'POST', `${unstract('acme')}/workflow/`, {
            auth: alice.key,
            json: { workflow_name: `secret-${name}`, source_settings: source, destination_settings: destination },
          }),
        );
        expect([name, w.status, w.text.slice(0, 300)]).toEqual([name, 201, expect.anything()]);
        const p = keep(
          `POST pipeline ${name}`,
          await call(server.base, 'POST', `${unstract('acme')}/pipeline/`, {
            auth: alice.key,
            json: { pipeline_name: `secret-${name}`, workflow: w.body.id },
          }),
        );
        expect(p.status).toBe(201);
        const r = keep(
          `execute ${name}`,
          await call(server.base, 'POST', `${unstract('acme')}/pipeline/execute/`, {
            auth: alice.key,
            json: { pipeline_id: p.body.id },
          }),
        );
        expect(r.status).toBeLessThan(300);
        const runId = r.body.execution.execution_id as string;
        const seqs = await db.client.query(
          'SELECT (SELECT seq FROM pipelines WHERE id = $1) AS p, (SELECT seq FROM runs WHERE id = $2) AS r',
          [p.body.id, runId],
        );
        runs.push({
          connectionId: connection.id,
          connectionSeq: connection.seq,
          workflowId: w.body.id,
          pipelineId: p.body.id,
          pipelineSeq: seqs.rows[0].p,
          runId,
          runSeq: seqs.rows[0].r,
        });
      }
      await ended(
        db,
        runs.map((r) => r.runId),
      );
      // The postgres sources cannot log in: their runs end ERROR (the webhook's refused records fail, however the run ends).
      const pgRuns = runs.slice(0, 3).map((r) => r.runId);
      const outcomes = (await db.client.query('SELECT status, error FROM runs WHERE id = ANY($1)', [pgRuns])).rows;
      expect(outcomes.map((o) => o.status)).toEqual(['ERROR', 'ERROR', 'ERROR']);
      // Their errors carry the target's refusal, which repeated the password: the engine masked it.
      for (const o of outcomes) expect(o.error).toMatch(/password authentication failed .*\*{8}/);
      // The secrets did reach their targets (so their echo is what the engine had to keep out).
      expect(pg.passwords).toEqual(
        expect.arrayContaining([
          S['postgres password'],
          S['connection string password'],
          S['Unstract connector password'],
        ]),
      );
      expect(hook.requests.map((h) => [h.authorization, h['x-api-key']])).toContainEqual([
        `Bearer ${S['webhook token']}`,
        S['webhook header'],
      ]);

      // Rotation, tests of saved and unsaved settings (the target echoes them into the error).
      const rotated = keep(
        'PATCH warehouse',
        await call(server.base, 'PATCH', `${C}/${warehouse.id}`, {
          auth: carol.key,
          json: { settings: { password: S['rotated password'] } },
        }),
      );
      expect(rotated.status).toBe(200);
      for (const id of [warehouse.id, webhook.id]) {
        const t = keep(`POST ${C}/${id}/test`, await call(server.base, 'POST', `${C}/${id}/test`, { auth: carol.key }));
        expect([t.status, typeof t.body?.ok]).toEqual([200, 'boolean']);
        // The postgres target refuses the login (the webhook's answer, whatever it is, shows it is reachable).
        if (id === warehouse.id) expect(t.body).toMatchObject({ ok: false });
      }
      expect(pg.passwords).toContain(S['rotated password']);
      const unsaved = keep(
        `POST ${C}/test`,
        await call(server.base, 'POST', `${C}/test`, {
          auth: carol.key,
          json: {
            kind: 'postgres',
            settings: {
              host: pg.host,
              port: pg.port,
              database: 'dw',
              user: 'etl',
              password: S['unsaved test password'],
            },
          },
        }),
      );
      expect([unsaved.status, unsaved.body?.ok]).toEqual([200, false]);
      expect(pg.passwords).toContain(S['unsaved test password']);

      // Every GET of every dialect, for each run's resources, as the admin and as the member.
      const routes = (await loadRoutes(server.base)).filter((r) => r.method === 'GET' && !r.path.startsWith('/docs'));
      let swept = 0;
      for (const ids of runs) {
        for (const p of [carol, alice]) {
          for (const route of routes) {
            const path = sweepPath(route, ids, 'acme', p.id);
            if (path === null) continue;
            keep(`${route.dialect} GET ${path} as ${p.email}`, await call(server.base, 'GET', path, { auth: p.key }));
            swept++;
          }
        }
      }
      console.log(`connection secrets: ${answers.length} answers checked (${swept} GETs over ${routes.length} routes)`);

      const found: string[] = [];
      for (const [name, secret] of Object.entries(S)) {
        for (const f of forms(secret)) {
          for (const a of answers) if (a.text.includes(f)) found.push(`${name} in the answer to ${a.what}`);
          if (server.logs().includes(f)) found.push(`${name} in the logs`);
        }
      }
      const tables = await allRows(db);
      for (const { table, text } of tables) {
        for (const [name, secret] of Object.entries(S))
          for (const f of forms(secret)) if (text.includes(f)) found.push(`${name} in table ${table}`);
      }
      expect(found).toEqual([]);

      // Kept sealed: in connections.sealed_secrets only, not in the settings.
      const stored = (
        await db.client.query(
          `SELECT name, settings, sealed_secrets FROM connections WHERE name IN ('warehouse', 'warehouse-url', 'hook', 'unstract-db') ORDER BY name`,
        )
      ).rows;
      const byName = Object.fromEntries(
        stored.map((r) => [
          r.name as string,
          r as { settings: Record<string, unknown>; sealed_secrets: Record<string, string> },
        ]),
      );
      expect(Object.keys(byName).sort()).toEqual(['hook', 'unstract-db', 'warehouse', 'warehouse-url']);
      for (const [name, fields] of [
        ['warehouse', ['password']],
        ['warehouse-url', ['password']],
        ['unstract-db', ['password']],
        ['hook', ['headers', 'token']],
      ] as const) {
        for (const f of fields) {
          expect([name, f, typeof byName[name]!.sealed_secrets[f]]).toEqual([name, f, 'string']);
          expect([name, f, f in byName[name]!.settings]).toEqual([name, f, false]);
        }
        expect([name, 'connectionString' in byName[name]!.settings]).toEqual([name, false]);
      }
    } finally {
      await pg.close();
      await hook.close();
    }
  }, 300_000);

  it('stops a revoked personal key at once, in every dialect', async () => {
    const key = (
      await call(server.base, 'POST', '/admin/api/v1/api-keys', {
        auth: alice.token,
        json: { description: 'to revoke' },
      })
    ).body as { id: string; key: string };
    const probes: [string, string][] = [
      ['GET', '/admin/api/v1/me'],
      ['GET', '/api/v1/pipelines'],
      ['GET', `${unstract('acme')}/pipeline/`],
      ['GET', '/v1/pipelines/runs'],
      ['GET', '/api/v1/jobs/status'],
    ];
    for (const [method, path] of probes)
      expect([method, path, (await call(server.base, method, path, { auth: key.key })).status]).toEqual([
        method,
        path,
        200,
      ]);
    expect((await call(server.base, 'DELETE', `/admin/api/v1/api-keys/${key.id}`, { auth: alice.token })).status).toBe(
      204,
    );
    // No delay, no cache: the very next request is refused.
    for (const [method, path] of probes) {
      const r = await call(server.base, method, path, { auth: key.key });
      expect([method, path, r.status]).toEqual([method, path, 401]);
    }
  });

  it('stops a deactivated pipeline key at once', async () => {
    const deploy = () =>
      call(server.base, 'POST', `/deployment/pipeline/api/acme/${pipelineId}/`, { auth: pipelineKey, json: {} });
    expect((await deploy()).status).not.toBe(401);
    const off = await call(server.base, 'PUT', `${unstract('acme')}/api/keys/${pipelineKeyId}/`, {
      auth: alice.key,
      json: { is_active: false },
    });
    expect(off.status).toBe(200);
    expect((await deploy()).status).toBe(401);
  });

  it('revokes sessions across processes: a password change or a deactivation through one server stops tokens and cookies at once on another', async () => {
    // A second server process on the same database (its own login limiter: the logins happen there).
    const other = await startServerProcess({
      databaseUrl: db.url,
      env: { PIPEWRIGHT_SCHEDULER: 'off', LOG_LEVEL: 'warn' },
    });
    try {
      const me = (base: string, auth: string) => call(base, 'GET', '/admin/api/v1/me', { auth }).then((r) => r.status);
      const cookieOf = async (base: string, p: Principal) => {
        const r = await call(base, 'POST', '/api/v1/login', {
          body: new URLSearchParams({ username: p.email, password: p.password }),
        });
        expect(r.status).toBe(200);
        return r.headers.get('set-cookie')!.split(';')[0]!;
      };
      const viaCookie = (base: string, cookie: string) =>
        call(base, 'GET', '/api/v1/current-user', { headers: { cookie } }).then((r) => r.status);

      // Password change through A: a token issued by A and a cookie from B stop on both, at once.
      const dave = await createPrincipal(other.base, root, 'acme', 'member', 'dave');
      const issuedByA = (await call(server.base, 'GET', '/api/v1/api_token', { auth: dave.key })).body as string;
      const cookie = await cookieOf(other.base, dave);
      expect([
        await me(other.base, issuedByA),
        await viaCookie(other.base, cookie),
        await me(server.base, dave.token),
      ]).toEqual([200, 200, 200]);
      expect(
        (
          await call(server.base, 'PUT', `/admin/api/v1/users/${dave.id}/password`, {
            auth: issuedByA,
            json: { password: 'dave-changed-passphrase-1' },
          })
        ).status,
      ).toBe(204);
      expect([
        await me(other.base, issuedByA),
        await viaCookie(other.base, cookie),
        await me(other.base, dave.token),
        await me(server.base, dave.token),
      ]).toEqual([401, 401, 401, 401]);
      expect(
        (
          await call(other.base, 'PUT', `/admin/api/v1/users/${dave.id}/password`, {
            auth: issuedByA,
            json: { password: 'taken-over-passphrase-2' },
          })
        ).status,
      ).toBe(401);
      expect(await login(other.base, dave.email, 'dave-changed-passphrase-1')).toBeTruthy();

      // Deactivation through A: the user's tokens, cookie and personal key stop on B at once.
      const erin = await createPrincipal(other.base, root, 'acme', 'member', 'erin');
      const erinCookie = await cookieOf(other.base, erin);
      expect([
        await me(other.base, erin.token),
        await me(other.base, erin.key),
        await viaCookie(other.base, erinCookie),
      ]).toEqual([200, 200, 200]);
      expect(
        (await call(server.base, 'POST', `/admin/api/v1/users/${erin.id}/deactivate`, { auth: root })).status,
      ).toBe(200);
      expect([
        await me(other.base, erin.token),
        await me(other.base, erin.key),
        await viaCookie(other.base, erinCookie),
        await me(server.base, erin.token),
      ]).toEqual([401, 401, 401, 401]);
      const relogin = await call(other.base, 'POST', '/api/v1/login', {
        body: new URLSearchParams({ username: erin.email, password: erin.password }),
      });
      expect(relogin.status).toBe(401);
      const row = await db.client.query('SELECT is_active, session_version FROM users WHERE id = $1', [erin.id]);
      expect(row.rows[0]).toEqual({ is_active: false, session_version: 1 });
    } finally {
      await other.stop();
      other.cleanup();
    }
  }, 180_000);

  it('rate-limits login attempts per account', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LOGIN_LIMIT + 2; i++) {
      const r = await call(server.base, 'POST', '/api/v1/login', {
        body: new URLSearchParams({ username: ROOT_EMAIL, password: `guess-${i}` }),
      });
      statuses.push(r.status);
      if (r.status === 429)
        expect(r.body).toEqual({
          detail: ['AuthorizationException', 'Authentication error: too many login attempts; try again later'],
        });
    }
    expect(statuses).toContain(429);
    expect(statuses.slice(-1)).toEqual([429]);
    // Even the right password is refused while the account is limited.
    const right = await call(server.base, 'POST', '/api/v1/login', {
      body: new URLSearchParams({ username: ROOT_EMAIL, password: ROOT_PASSWORD }),
    });
    expect(right.status).toBe(429);
    await expect(login(server.base, ROOT_EMAIL, ROOT_PASSWORD)).rejects.toThrow(/429/);
  });
});
