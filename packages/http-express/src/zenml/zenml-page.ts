import { ValidationError, type PageRequest } from '@pipewright/core';

/** ZenML's Page envelope: an empty result still has one (empty) page. */
export function totalPages(total: number, size: number): number {
  return Math.max(1, Math.ceil(total / size));
}

/** A page past the last one is a store ValueError in ZenML (400), not an empty page. */
export function assertPageExists(page: PageRequest, total: number): void {
  const last = totalPages(total, page.size);
  if (page.page > last)
    throw new ValidationError(
      `Invalid page ${page.page}. The requested page size is ${page.size} and there are a total of ${total} items for this query. The maximum page value therefore is ${last}.`,
    );
}

export function pageView<T>(page: PageRequest, total: number, items: T[]) {
  return { index: page.page, max_size: page.size, total_pages: totalPages(total, page.size), total, items };
}
