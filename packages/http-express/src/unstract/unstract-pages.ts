import { NotFoundError, type Page, type PageRequest } from '@pipewright/core';
import type { Request } from 'express';
import { linkHref, requestLinkUrl, single, type LinkBase } from '../shared/request-url.js';

/** Unstract's CustomPagination: `page` (1) and `page_size` (50, at most 1000). */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;
/** What an unpaginated (OptionalPagination) list returns at most, in one query. */
export const UNPAGINATED_LIMIT = 10_000;

export interface PaginatedBody<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

/**
 * The page a list request asks for. DRF's rules: a bad or missing `page_size` falls back to
 * the default, a larger one is clamped; a `page` that is not a positive integer is "Invalid page."
 * With `optional` (OptionalPagination), no paging parameter means an unpaginated list: null.
 */
export function pageRequest(req: Request, options: { optional?: boolean } = {}): PageRequest | null {
  const rawPage = single(req.query.page);
  const rawSize = single(req.query.page_size);
  if (options.optional && rawPage === undefined && rawSize === undefined) return null;
  const n = Number(rawSize);
  const size = rawSize !== undefined && /^\d+$/.test(rawSize) && n > 0 ? Math.min(n, MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
  if (rawPage === undefined || rawPage === '') return { page: 1, size };
  const page = Number(rawPage);
  // A page whose first row lies past any countable offset cannot exist: "Invalid page.", not an overflow in SQL.
  if (!/^\d+$/.test(rawPage) || page < 1 || !Number.isSafeInteger(page * size)) throw new NotFoundError('Page');
  return { page, size };
}

/** A page past the last one is "Invalid page." (the first page may be empty). */
export function assertPageExists(request: PageRequest, page: Page<unknown>): void {
  if (request.page > 1 && page.items.length === 0) throw new NotFoundError('Page');
}

/** DRF's replace_query_param / remove_query_param: parameters re-encoded in sorted order. */
function withPage(url: URL, page: number | null): string {
  const next = new URL(url.href);
  if (page === null) next.searchParams.delete('page');
  else next.searchParams.set('page', String(page));
  next.searchParams.sort();
  return linkHref(next);
}

/**
 * `{count, next, previous, results}`. Links are absolute, as DRF builds them, on the public URL
 * or a trusted Host (`trustedBase`); behind an untrusted Host they are relative (path and query).
 */
export function paginated<T>(
  req: Request,
  base: LinkBase,
  request: PageRequest,
  total: number,
  results: T[],
): PaginatedBody<T> {
  const url = requestLinkUrl(req, base);
  const hasNext = request.page * request.size < total;
  const hasPrevious = request.page > 1;
  return {
    count: total,
    next: hasNext ? withPage(url, request.page + 1) : null,
    previous: hasPrevious ? withPage(url, request.page === 2 ? null : request.page - 1) : null,
    results,
  };
}
