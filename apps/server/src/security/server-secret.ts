import { hkdfSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AesGcmSealer } from './aes-sealer.js';
import { JwtTokenSigner } from './jwt-signer.js';
import { ScryptSecretHasher } from './scrypt-hasher.js';

/**
 * The server secret: PIPEWRIGHT_SECRET, else one generated into the data folder on first
 * start (and reused after). Separate keys are derived for tokens, sealing and lookups.
 */
export function loadServerSecret(configured: string | undefined, dataDir: string): { secret: string; generated: boolean } {
  if (configured) return { secret: configured, generated: false };
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

function derive(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'pipewright', purpose, 32));
}

export function securityFromSecret(secret: string) {
  return {
    hasher: new ScryptSecretHasher(derive(secret, 'lookup')),
    sealer: new AesGcmSealer(derive(secret, 'seal')),
    tokens: new JwtTokenSigner(new Uint8Array(derive(secret, 'token'))),
  };
}
