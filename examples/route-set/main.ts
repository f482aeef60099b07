// Embedding the server: createApp with the built-in dialects plus a route set of your own.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, defaultRouteSets, loadConfig } from '@pipewright/server';
import { createMemoryStorage } from '@pipewright/storage-memory';
import { hello } from './hello.route-set.js';

const dataDir = mkdtempSync(join(tmpdir(), 'pipewright-example-'));
const config = { ...loadConfig(), dataDir, defaultOrg: 'acme', adminEmail: 'ops@acme.io', adminPassword: 's3cret-pass', logLevel: 'warn' };
const { app, core, close } = await createApp({
  config,
  // Without `storage`: Postgres at config.databaseUrl, else embedded PGlite in dataDir (both migrated).
  storage: { storage: createMemoryStorage(), migrate: async () => {}, close: async () => {} },
  bootstrapAdmin: true, // the first admin, as `npm start` creates it
  routeSets: [...defaultRouteSets(config), hello],
});
const server = createServer(app).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

// Log in as the admin, create a pipeline, and read it through the custom route.
const { accessToken } = await core.auth.login('ops@acme.io', 's3cret-pass');
const actor = await core.auth.actorFor(await core.auth.authenticate(accessToken), { slug: 'acme' });
const workflow = await core.workflows.create(actor, { name: 'import' });
const { pipeline } = await core.pipelines.create(actor, { name: 'nightly', workflowId: workflow.id });
const get = (path: string, token?: string) => fetch(base + path, token ? { headers: { authorization: `Bearer ${token}` } } : {});

const found = await get(`/hello/acme/pipelines/${pipeline.id}`, accessToken);
console.log(found.status, await found.json()); // 200 { id, name: 'nightly', enabled: true, created_at }
const missing = await get('/hello/acme/pipelines/00000000-0000-4000-8000-000000000000', accessToken);
console.log(missing.status, missing.headers.get('content-type'), await missing.json()); // 404 application/problem+json { code: 'NOT_FOUND', … }
const anonymous = await get(`/hello/acme/pipelines/${pipeline.id}`);
console.log(anonymous.status); // 401

server.close();
await close();
rmSync(dataDir, { recursive: true, force: true });
if (found.status !== 200 || missing.status !== 404 || anonymous.status !== 401) process.exit(1);
