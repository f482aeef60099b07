import type { Request } from 'express';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a request is a change sent from another site: what a cookie-authenticated change must
 * not be (CSRF). Browsers say where a request comes from in `Sec-Fetch-Site`; older ones only in
 * `Origin`, compared with the origin the request was sent to (behind a proxy, as Express's
 * `trust proxy` reads it). A request with neither header is not a browser's cross-site request
 * (curl, SDKs).
 */
export function isCrossSiteChange(req: Request): boolean {
  if (SAFE_METHODS.has(req.method)) return false;
  const site = req.get('sec-fetch-site');
  if (site) return site !== 'same-origin' && site !== 'none';
  const origin = req.get('origin');
  if (!origin) return false;
  if (origin === 'null') return true; // sandboxed frames, file: pages, redirects across origins
  try {
    return new URL(origin).origin !== new URL(`${req.protocol}://${req.host}`).origin;
  } catch {
    return true;
  }
}
