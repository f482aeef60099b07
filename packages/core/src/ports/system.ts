/** The current time (a process edge: tests pass a fixed or fake clock). */
export interface Clock {
  now(): Date;
}

/** New identifiers and random secrets. */
export interface IdGenerator {
  /** A new random UUID (v4 or v7). */
  uuid(): string;
  /** `length` random characters from [0-9A-Za-z], for secrets such as API keys. */
  base62(length: number): string;
}

/** One-way hashing of secrets. */
export interface SecretHasher {
  /** Slow, salted hash for passwords (e.g. scrypt). */
  hashPassword(password: string): Promise<string>;
  /** Constant-time check of a password against `hashPassword`'s output. */
  verifyPassword(password: string, hash: string): Promise<boolean>;
  /** Deterministic keyed hash for high-entropy secrets (API keys), used as a lookup key. */
  lookupHash(secret: string): string;
}

/** Reversible encryption of secrets their owner may see again (API keys, connection strings). */
export interface SecretSealer {
  seal(plaintext: string): string;
  unseal(sealed: string): string;
}

/** What an access token says: its user, and the user's session version when it was issued. */
export interface TokenClaims {
  sub: string;
  org?: string;
  /** The user's session version at issue; absent in tokens from before sessions were versioned (read as 0). */
  ver?: number;
}

/** Signs and verifies access tokens (JWT in the server). */
export interface TokenSigner {
  /** A token with these claims, expiring after `ttlSeconds` (every token expires). */
  sign(claims: TokenClaims, ttlSeconds: number): Promise<string>;
  /** The claims of a valid token, or null for a bad or expired one, or one without an expiry. */
  verify(token: string): Promise<TokenClaims | null>;
}

/** Screens new passwords against lists of passwords attackers try first. */
export interface PasswordScreen {
  /** Whether the password is one of the commonly used ones (case-insensitive). */
  isCommon(password: string): boolean;
}

/** No list: only the length and blank rules apply (tests, embedders without a list). */
export const noPasswordScreen: PasswordScreen = { isCommon: () => false };

export const systemClock: Clock = { now: () => new Date() };

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Web Crypto based ids (works in Node and browsers; no dependency). */
export const randomIds: IdGenerator = {
  uuid: () => globalThis.crypto.randomUUID(),
  base62(length: number): string {
    let out = '';
    while (out.length < length) {
      const bytes = globalThis.crypto.getRandomValues(new Uint8Array(length * 2));
      // Rejection sampling keeps the distribution uniform (248 = 4 * 62).
      for (const b of bytes) if (b < 248 && out.length < length) out += ALPHABET[b % 62];
    }
    return out;
  },
};
