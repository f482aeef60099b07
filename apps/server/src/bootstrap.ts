import { randomBytes } from 'node:crypto';
import type { Core } from '@pipewright/core';
import type { ServerConfig } from './config.js';
import type { Logger } from './logger.js';

/**
 * First start: when no user exists, creates the admin in the default organization. A
 * generated password is printed once to stderr (never to the structured logs).
 */
export async function bootstrapAdmin(core: Core, config: ServerConfig, logger: Logger, out: NodeJS.WritableStream = process.stderr): Promise<boolean> {
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
