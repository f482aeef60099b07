import type { Request } from 'express';

/** The absolute URL of the request, rebuilt on `publicUrl` when the server sits behind a proxy. */
export function absoluteUrl(req: Request, publicUrl?: string): URL {
  const base = publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
  return new URL(req.originalUrl, base.endsWith('/') ? base : `${base}/`);
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
