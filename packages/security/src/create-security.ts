import { hkdfSync } from 'node:crypto';
import { AesGcmSealer } from './aes-sealer.js';
import { CommonPasswordScreen } from './common-passwords.js';
import { JwtTokenSigner } from './jwt-signer.js';
import { ScryptSecretHasher } from './scrypt-hasher.js';

/** The security ports `createCore` takes: three built from one secret, and the common-password screen. */
export interface Security {
  hasher: ScryptSecretHasher;
  sealer: AesGcmSealer;
  tokens: JwtTokenSigner;
  passwords: CommonPasswordScreen;
}

function derive(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'pipewright', purpose, 32));
}

/**
 * The default security provider: scrypt passwords and HMAC key lookups, AES-256-GCM sealing and
 * HS256 tokens, each with its own key derived (HKDF-SHA256) from `secret`. Keep the secret: a new
 * one invalidates every token, API key and sealed secret.
 */
export function createSecurity(secret: string): Security {
  if (!secret) throw new Error('createSecurity needs a non-empty secret');
  return {
    hasher: new ScryptSecretHasher(derive(secret, 'lookup')),
    sealer: new AesGcmSealer(derive(secret, 'seal')),
    tokens: new JwtTokenSigner(new Uint8Array(derive(secret, 'token'))),
    passwords: new CommonPasswordScreen(),
  };
}
