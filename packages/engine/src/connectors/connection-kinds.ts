import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { FieldIssue } from '@pipewright/core';
import { parse as parseConnectionString } from 'pg-connection-string';
import { probeUrl } from '../egress/pinned-http.js';
import { isInside, lexicalPathProblem, resolveFolder } from './file-root.js';
import { connect, postgresTarget } from './pg/client.js';
import type { ConnectionKindDefinition } from './types.js';

const SSL_MODES = ['disable', 'require', 'verify-full'] as const;

/** libpq's sslmode (and `ssl=true`) in this kind's three modes. */
function sslOf(parsed: { sslmode?: string | null; ssl?: unknown }): (typeof SSL_MODES)[number] | undefined {
  const mode = parsed.sslmode ?? null;
  if (mode === 'disable' || mode === 'allow') return 'disable';
  if (mode === 'verify-full') return 'verify-full';
  if (mode === 'prefer' || mode === 'require' || mode === 'verify-ca' || mode === 'no-verify') return 'require';
  if (parsed.ssl === true || (typeof parsed.ssl === 'object' && parsed.ssl !== null)) return 'require';
  return undefined;
}

/** A Postgres database: `{host, port, database, user, password, ssl}`; a `connectionString` is parsed into them. */
export const postgresConnectionKind: ConnectionKindDefinition = {
  name: 'postgres',
  description: 'A Postgres database: host, port, database, user, password and TLS mode.',
  settingsSchema: {
    type: 'object',
    properties: {
      connectionString: {
        type: 'string',
        minLength: 1,
        writeOnly: true,
        description:
          'postgres://user:password@host:port/database?sslmode=… — accepted instead of the fields below, and parsed into them.',
      },
      host: { type: 'string', minLength: 1, maxLength: 255, description: 'Host name or IP address of the server.' },
      port: { type: 'integer', minimum: 1, maximum: 65535, default: 5432 },
      database: { type: 'string', minLength: 1, maxLength: 63 },
      user: { type: 'string', minLength: 1, maxLength: 63 },
      password: { type: 'string', description: 'Secret: sealed at rest, never shown.' },
      ssl: {
        enum: [...SSL_MODES],
        default: 'disable',
        description: 'disable, require (encrypted), or verify-full (encrypted, certificate checked for the host).',
      },
    },
    required: ['host', 'database', 'user'],
    additionalProperties: false,
  },
  secretFields: ['password'],
  inlineKeys: ['connectionString', 'host', 'user', 'password'],
  normalize(input) {
    const out: Record<string, unknown> = { ...input };
    if (out.connectionString !== undefined) {
      const text = out.connectionString;
      delete out.connectionString;
      if (typeof text !== 'string' || !/^postgres(ql)?:\/\//i.test(text.trim()))
        return {
          issues: [
            {
              field: 'connectionString',
              message: 'Must be a postgres://user:password@host:port/database URL.',
              code: 'invalid',
            },
          ],
        };
      let parsed: ReturnType<typeof parseConnectionString>;
      try {
        parsed = parseConnectionString(text.trim());
      } catch (e) {
        return {
          issues: [
            {
              field: 'connectionString',
              message: `Cannot be parsed: ${(e as Error).message.replace(/\/\/[^@/]*@/, '//')}`,
              code: 'invalid',
            },
          ],
        };
      }
      const fields: Record<string, unknown> = {
        host: parsed.host || undefined,
        port: parsed.port ? Number(parsed.port) : undefined,
        database: parsed.database || undefined,
        user: parsed.user || undefined,
        password: parsed.password || undefined,
        ssl: sslOf(parsed as { sslmode?: string | null; ssl?: unknown }),
      };
      for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
    }
    if (typeof out.port === 'string' && /^\d+$/.test(out.port)) out.port = Number(out.port);
    out.port ??= 5432;
    out.ssl ??= 'disable';
    return out;
  },
  target(settings) {
    return {
      field: 'host',
      host: String(settings.host),
      port: Number(settings.port ?? 5432),
      database: String(settings.database),
    };
  },
  async test(connection, ctx) {
    const client = await connect(postgresTarget(connection), ctx.egress, { timeoutMs: 5_000 });
    const abort = () => void client.end().catch(() => {});
    ctx.signal.addEventListener('abort', abort, { once: true });
    try {
      await client.query('select 1');
      return `Connected to ${String(connection.settings.database)} on ${String(connection.settings.host)}.`;
    } finally {
      ctx.signal.removeEventListener('abort', abort);
      await client.end().catch(() => {});
    }
  },
};

/** An HTTP(S) endpoint: `{url, headers, token}`; the token is sent as `Authorization: Bearer`. */
export const webhookConnectionKind: ConnectionKindDefinition = {
  name: 'webhook',
  description: 'An HTTP(S) endpoint records are POSTed to, with optional headers and a bearer token.',
  settingsSchema: {
    type: 'object',
    properties: {
      url: { type: 'string', pattern: '^https?://', format: 'uri', maxLength: 2048 },
      headers: {
        type: 'object',
        additionalProperties: { type: 'string' },
        description: 'Secret: sent with every request, never shown.',
      },
      token: { type: 'string', description: 'Secret: sent as "Authorization: Bearer <token>".' },
    },
    required: ['url'],
    additionalProperties: false,
  },
  secretFields: ['headers', 'token'],
  inlineKeys: ['url', 'headers'],
  target(settings) {
    const u = new URL(String(settings.url));
    return {
      field: 'url',
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port: u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80,
    };
  },
  check(settings) {
    try {
      const u = new URL(String(settings.url));
      if (u.username || u.password)
        return [{ field: 'url', message: 'Must not hold credentials: use the headers or the token.', code: 'invalid' }];
    } catch {
      return [{ field: 'url', message: 'Must be an http:// or https:// URL.', code: 'invalid' }];
    }
    return [];
  },
  // Reaches the server (TCP, and TLS for https) without sending a request: no data is POSTed.
  test: (connection, ctx) => probeUrl(ctx.egress, String(connection.settings.url), ctx.signal),
};

/** A folder in the organization's own folder of the file root: `{path}`. */
export const filesystemConnectionKind: ConnectionKindDefinition = {
  name: 'filesystem',
  description: "A folder in the organization's own folder of the server's file root.",
  settingsSchema: {
    type: 'object',
    properties: {
      path: {
        type: 'string',
        minLength: 1,
        maxLength: 1024,
        description: "Folder relative to the organization's folder of the file root.",
      },
    },
    required: ['path'],
    additionalProperties: false,
  },
  secretFields: [],
  check(settings): FieldIssue[] {
    const problem = lexicalPathProblem(settings.path);
    return problem ? [{ field: 'path', message: problem, code: 'invalid' }] : [];
  },
  async test(connection, ctx) {
    if (ctx.fileRoot === null) throw new Error('Filesystem connectors are disabled: no file root is configured.');
    const { root, folder } = await resolveFolder(ctx.fileRoot, connection.settings.path);
    if (!isInside(root, folder) || !(await stat(folder)).isDirectory())
      throw new Error(`"${String(connection.settings.path)}" is not a folder.`);
    return `Folder "${path.relative(root, folder) || '.'}" exists.`;
  },
};
