import type { TokenSigner } from '@pipewright/core';
import { SignJWT, jwtVerify } from 'jose';

const ISSUER = 'pipewright';

/** HS256 access tokens (jose). */
export class JwtTokenSigner implements TokenSigner {
  constructor(private readonly key: Uint8Array) {}

  async sign(claims: { sub: string; org?: string }, ttlSeconds: number | null): Promise<string> {
    let jwt = new SignJWT(claims.org ? { org: claims.org } : {}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(claims.sub).setIssuer(ISSUER).setIssuedAt();
    if (ttlSeconds !== null) jwt = jwt.setExpirationTime(`${ttlSeconds}s`);
    return jwt.sign(this.key);
  }

  async verify(token: string): Promise<{ sub: string; org?: string } | null> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, algorithms: ['HS256'], clockTolerance: 10 });
      if (typeof payload.sub !== 'string') return null;
      return { sub: payload.sub, ...(typeof payload.org === 'string' ? { org: payload.org } : {}) };
    } catch {
      return null;
    }
  }
}
