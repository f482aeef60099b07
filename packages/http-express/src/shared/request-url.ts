import type { Request } from 'express';

/** What absolute links may be built on: the configured public URL, else only trusted Host headers. */
export interface LinkBase {
  publicUrl?: string;
  /** Hosts (with the port unless default) links may name when no public URL is set (PIPEWRIGHT_ALLOWED_HOSTS); loopback always. */
  allowedHosts?: readonly string[];
}

const LOOPBACK_HOST = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i;

/**
 * The server's base URL for absolute links (ending in "/"): the configured public URL; else the
 * request's origin when its Host is a loopback address or on the operator's allow-list; else
 * null, never an arbitrary Host header (which anyone can set, to point links at their own site).
 */
export function trustedBase(req: Request, { publicUrl, allowedHosts = [] }: LinkBase): string | null {
  if (publicUrl) return publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`;
  const host = req.get('host')?.toLowerCase();
  if (!host || !(LOOPBACK_HOST.test(host) || allowedHosts.includes(host))) return null;
  return `${req.protocol}://${host}/`;
}

/** Stands in for an untrusted origin while a link is edited; `linkHref` strips it again. */
const NO_ORIGIN = 'http://untrusted.invalid/';

/**
 * The request's URL for links to other pages of the same list: absolute on `trustedBase`, else
 * on a placeholder origin that `linkHref` turns into a relative link (path and query).
 */
export function requestLinkUrl(req: Request, base: LinkBase): URL {
  return new URL(req.originalUrl, trustedBase(req, base) ?? NO_ORIGIN);
}

/** A link built on `requestLinkUrl`: absolute when its origin is trusted, else path and query only. */
export function linkHref(url: URL): string {
  return url.origin === new URL(NO_ORIGIN).origin ? `${url.pathname}${url.search}` : url.href;
}

/** Reads a query parameter that may only appear once; arrays take the last value (Django/FastAPI behaviour). */
export function single(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.length ? String(value[value.length - 1]) : undefined;
  return value === undefined ? undefined : String(value);
}

/** Reads a repeatable query parameter as a list. */
export function many(value: unknown): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}
