import { randomBytes } from 'node:crypto';
import type { Core } from '@pipewright/core';
import { INLINE_CREDENTIAL_KEYS } from '@pipewright/engine';
import type { ServerConfig } from './config.js';
import type { Logger } from './logger.js';

/**
 * First start: when no user exists, creates the admin in the default organization. A
 * generated password is printed once to stderr (never to the structured logs).
 */
export async function bootstrapAdmin(
  core: Core,
  config: ServerConfig,
  logger: Logger,
  out: NodeJS.WritableStream = process.stderr,
): Promise<boolean> {
  const password = config.adminPassword ?? randomBytes(18).toString('base64url');
  const created = await core.admin.bootstrap({ orgSlug: config.defaultOrg, email: config.adminEmail, password });
  if (!created) return false;
  logger.info({ email: config.adminEmail, org: config.defaultOrg }, 'created the admin user');
  if (!config.adminPassword)
    out.write(
      `\n  Pipewright admin created: ${config.adminEmail} in organization "${config.defaultOrg}"\n` +
        `  Generated password (shown once): ${password}\n` +
        `  Set PIPEWRIGHT_ADMIN_PASSWORD to choose it yourself.\n\n`,
    );
  return true;
}

/**
 * The one-time conversion of workflows saved before connections existed: credentials and
 * targets written inline in their connector settings move into connections of their
 * organization. Runs at every start (after migrations); once converted, nothing is left to do.
 */
export async function convertInlineCredentials(
  core: Core,
  logger: Logger,
  keys: readonly string[] = INLINE_CREDENTIAL_KEYS,
): Promise<number> {
  const created = await core.connections.convertInlineCredentials(keys);
  if (created > 0) logger.info({ connections: created }, 'moved inline credentials of workflows into connections');
  else logger.debug('no inline credentials to convert');
  return created;
}
