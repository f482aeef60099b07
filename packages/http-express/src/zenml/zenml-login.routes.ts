import { UnauthenticatedError, type Core } from '@pipewright/core';
import express, { type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { RouteSpec } from '../shared/openapi.js';
import { single } from '../shared/request-url.js';
import { SESSION_COOKIE, zenmlPrincipal } from './zenml-auth.js';

export interface LoginLimits {
  /** Attempts per minute per client IP, and per account (username). */
  perMinute: number;
  /** The server's public URL: an https one marks the session cookie `Secure` even when TLS ends at a proxy. */
  publicUrl?: string;
}

/** A login parameter given more than once (`username=a&username=b`, a JSON array): refused, never guessed. */
const repeated = (body: Record<string, unknown>) =>
  ['username', 'password', 'grant_type'].find(
    (k) => Array.isArray(body[k]) || (body[k] !== undefined && typeof body[k] === 'object'),
  );

/** The one account name a login uses, as the limiter counts it. */
const accountOf = (req: Request) => {
  const username = (req.body as Record<string, unknown> | undefined)?.username;
  return typeof username === 'string' && username.trim() ? username.trim().toLowerCase() : null;
};

const tokenResponse = {
  type: 'object',
  properties: {
    access_token: { type: 'string' },
    token_type: { type: 'string', const: 'bearer' },
    expires_in: { type: ['integer', 'null'] },
  },
  required: ['access_token', 'token_type'],
};

/** POST /api/v1/login (OAuth2 password grant and API-key grant) and POST (or GET) /api/v1/logout. */
export function zenmlLoginRoutes(
  core: Core,
  limits: LoginLimits,
): { specs: RouteSpec[]; middleware: express.RequestHandler[] } {
  const limitKeyHandler = (res: Response, status: number) =>
    res
      .status(status)
      .json({ detail: ['AuthorizationException', 'Authentication error: too many login attempts; try again later'] });
  const byIp = rateLimit({
    windowMs: 60_000,
    limit: limits.perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, res) => limitKeyHandler(res, 429),
  });
  const byAccount = rateLimit({
    windowMs: 60_000,
    limit: limits.perMinute,
    standardHeaders: false,
    legacyHeaders: false,
    keyGenerator: (req: Request) => `account:${accountOf(req)}`,
    // No single account named: the request is refused before any password is checked.
    skip: (req: Request) => accountOf(req) === null,
    handler: (_req, res) => limitKeyHandler(res, 429),
  });
  const form = express.urlencoded({ extended: false, limit: '64kb' });

  const login = async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    // ZenML's OAuth errors carry a plain string detail.
    const badRequest = (detail: string) => void res.status(400).json({ detail });
    const twice = repeated(body);
    if (twice) return badRequest(`Invalid request: ${twice} must be given once, as a string.`);
    const username = single(body.username);
    const password = single(body.password);
    let grant = single(body.grant_type);
    if (!grant) grant = username ? 'password' : password ? 'zenml-api-key' : 'zenml-external';
    let result;
    if (grant === 'password') {
      if (!username) return badRequest('Invalid request: username is required.');
      result = await core.auth.login(username, password ?? '');
    } else if (grant === 'zenml-api-key') {
      if (!password) return badRequest('API key is required.');
      result = await core.auth.loginWithKey(password).catch(() => {
        throw new UnauthenticatedError('invalid username or password');
      });
    } else {
      return badRequest(`Unsupported grant type: ${grant}`);
    }
    res.cookie(SESSION_COOKIE, result.accessToken, {
      httpOnly: true,
      sameSite: 'lax',
      secure: req.secure || !!limits.publicUrl?.startsWith('https:'),
      path: '/',
      ...(result.expiresIn ? { maxAge: result.expiresIn * 1000 } : {}),
    });
    res.json({
      access_token: result.accessToken,
      token_type: 'bearer',
      expires_in: result.expiresIn,
      refresh_token: null,
      scope: null,
    });
  };

  const specs: RouteSpec[] = [
    {
      method: 'post',
      path: '/api/v1/login',
      summary: 'OAuth2 login: password grant (username, password) or API-key grant (password = key)',
      secured: false,
      bodyContentTypes: ['application/x-www-form-urlencoded'],
      body: {
        type: 'object',
        properties: {
          grant_type: {
            type: 'string',
            enum: ['password', 'zenml-api-key', 'zenml-external', 'urn:ietf:params:oauth:grant-type:device_code'],
          },
          username: { type: 'string' },
          password: { type: 'string' },
          client_id: { type: 'string' },
          device_code: { type: 'string' },
        },
      },
      responses: {
        200: { description: 'Access token (also set as an HttpOnly session cookie)', schema: tokenResponse },
        400: { description: 'Bad request' },
        401: { description: 'Invalid credentials' },
        429: { description: 'Too many attempts' },
      },
      handler: login,
    },
    ...(['post', 'get'] as const).map((method): RouteSpec => ({
      method,
      path: '/api/v1/logout',
      summary:
        method === 'post'
          ? 'Ends every session of the caller (all tokens and cookies, in every process) and clears the session cookie'
          : 'Clears the session cookie (GET, as older ZenML clients call it; POST also ends the sessions)',
      secured: false,
      responses: { 200: { description: 'Logged out' } },
      handler: async (req, res) => {
        // POST (same-site only when by cookie) ends the sessions; GET, which any page can trigger, only clears the cookie.
        if (method === 'post') {
          const principal = await zenmlPrincipal(core, req, res).catch((e: unknown) => {
            if (e instanceof UnauthenticatedError) return null;
            throw e;
          });
          if (principal) await core.auth.endSessions(principal);
        }
        res.clearCookie(SESSION_COOKIE, { path: '/' });
        res.json(null);
      },
    })),
  ];
  return { specs, middleware: [form, express.json({ limit: '64kb' }), byIp, byAccount] };
}
