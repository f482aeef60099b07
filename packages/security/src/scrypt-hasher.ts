import {
  createHmac,
  createSecretKey,
  randomBytes,
  scrypt as scryptCb,
  timingSafeEqual,
  type KeyObject,
  type ScryptOptions,
} from 'node:crypto';
import type { SecretHasher } from '@pipewright/core';

const scrypt = (password: string, salt: Buffer, keylen: number, opts: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );

const N = 16_384;
const R = 8;
const P = 1;
const KEYLEN = 64;

/**
 * Passwords: scrypt with a random salt, stored as `scrypt$N$r$p$salt$hash` and compared in
 * constant time. API keys: HMAC-SHA256 keyed by the server secret, a deterministic lookup hash.
 */
export class ScryptSecretHasher implements SecretHasher {
  /** Prepared once: building the key from a Buffer on every request showed in profiles. */
  private readonly lookupKey: KeyObject;

  constructor(lookupKey: Buffer) {
    this.lookupKey = createSecretKey(lookupKey);
  }

  async hashPassword(password: string): Promise<string> {
    const salt = randomBytes(16);
    const hash = await scrypt(password, salt, KEYLEN, { N, r: R, p: P, maxmem: 64 * 1024 * 1024 });
    return ['scrypt', N, R, P, salt.toString('base64url'), hash.toString('base64url')].join('$');
  }

  async verifyPassword(password: string, stored: string): Promise<boolean> {
    const [alg, n, r, p, salt, hash] = stored.split('$');
    if (alg !== 'scrypt' || !salt || !hash) return false;
    const expected = Buffer.from(hash, 'base64url');
    const actual = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, {
      N: Number(n),
      r: Number(r),
      p: Number(p),
      maxmem: 64 * 1024 * 1024,
    });
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  lookupHash(secret: string): string {
    return createHmac('sha256', this.lookupKey).update(secret).digest('hex');
  }
}
