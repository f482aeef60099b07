import type { TokenClaims, TokenSigner } from '@pipewright/core';
import { SignJWT, jwtVerify } from 'jose';

const ISSUER = 'pipewright';

/** HS256 access tokens (jose). Every token expires; one without `exp` is refused. */
export class JwtTokenSigner implements TokenSigner {
  constructor(private readonly key: Uint8Array) {}

  async sign(claims: TokenClaims, ttlSeconds: number): Promise<string> {
    const payload: Record<string, unknown> = {};
    if (claims.org) payload.org = claims.org;
    if (claims.ver !== undefined) payload.ver = claims.ver;
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.sub)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(this.key);
  }

  async verify(token: string): Promise<TokenClaims | null> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ISSUER,
        algorithms: ['HS256'],
        clockTolerance: 10,
        requiredClaims: ['exp', 'sub'],
      });
      if (typeof payload.sub !== 'string') return null;
      if (payload.ver !== undefined && !Number.isSafeInteger(payload.ver)) return null;
      return {
        sub: payload.sub,
        ...(typeof payload.org === 'string' ? { org: payload.org } : {}),
        ...(typeof payload.ver === 'number' ? { ver: payload.ver } : {}),
      };
    } catch {
      return null;
    }
  }
}
