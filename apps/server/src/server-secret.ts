import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSecurity } from '@pipewright/security';

/**
 * The server secret: PIPEWRIGHT_SECRET, else one generated into the data folder on first
 * start (and reused after). `@pipewright/security` derives separate keys from it.
 */
export function loadServerSecret(
  configured: string | undefined,
  dataDir: string,
): { secret: string; generated: boolean } {
  if (configured) {
    assertStrongSecret(configured);
    return { secret: configured, generated: false };
  }
  const file = join(dataDir, 'secret');
  try {
    return { secret: readFileSync(file, 'utf8').trim(), generated: false };
  } catch {
    mkdirSync(dataDir, { recursive: true });
    const secret = randomBytes(32).toString('base64url');
    writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
    return { secret, generated: true };
  }
}

/** Below this many bits (estimated) a secret can be guessed offline from one signed token. */
const MIN_SECRET_BITS = 128;
const MIN_SECRET_BYTES = 32;

/**
 * Refuses a PIPEWRIGHT_SECRET that is short or repetitive: every token, cookie and sealed
 * connection secret is only as strong as it. The estimate is the string's Shannon entropy per
 * character times its length (a random 32-byte base64 string has ~250 bits; "a" has none).
 */
export function assertStrongSecret(secret: string): void {
  const bytes = Buffer.byteLength(secret);
  const counts = new Map<string, number>();
  for (const ch of secret) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const length = [...secret].length;
  let perChar = 0;
  for (const n of counts.values()) perChar -= (n / length) * Math.log2(n / length);
  const bits = Math.floor(perChar * length);
  if (bytes < MIN_SECRET_BYTES || bits < MIN_SECRET_BITS)
    throw new Error(
      `PIPEWRIGHT_SECRET is too weak (${bytes} bytes, about ${bits} bits): use at least ${MIN_SECRET_BYTES} random bytes, e.g. \`openssl rand -base64 32\`, ` +
        'or leave it unset to have one generated into the data folder.',
    );
}

/** The server's security ports from its secret (kept for callers of the server package). */
export const securityFromSecret = createSecurity;
