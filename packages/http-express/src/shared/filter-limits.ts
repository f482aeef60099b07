import type { RequestHandler } from 'express';

/**
 * How much filtering one list request may ask for. Every value of a query parameter is a term
 * (a repeated parameter is several, and so is each item of a list value such as ZenML's
 * `oneof:[…]` or Unstract's comma-separated `status`); storage turns each term into SQL, so the
 * count bounds the cost of one request's query.
 */
export const FILTER_LIMITS = {
  /** Terms of one query parameter. */
  perParameter: 20,
  /** Terms of all query parameters of one request together. */
  total: 50,
  /** Characters of one value. */
  valueLength: 1_000,
} as const;

export type FilterLimits = { readonly [K in keyof typeof FILTER_LIMITS]: number };

/** Which limit a request passed (also the issue code dialects report). */
export type FilterLimitCode = 'too_many_values' | 'too_many_terms' | 'max_length';

/**
 * A list request asks for more filtering than FILTER_LIMITS allow. Not a core error: the limits
 * guard the HTTP surface, not the domain. Every dialect answers it 422 in its own error shape.
 */
export class FilterLimitError extends Error {
  constructor(
    /** The query parameter at fault; null when only the request's total is too large. */
    readonly parameter: string | null,
    readonly limitCode: FilterLimitCode,
    message: string,
  ) {
    super(message);
    this.name = 'FilterLimitError';
  }
}

/** The terms of one request, counted against the limits as they are read. */
export class FilterBudget {
  private readonly perParameter = new Map<string, number>();
  private total = 0;

  constructor(private readonly limits: FilterLimits = FILTER_LIMITS) {}

  /** Counts `terms` more terms of `parameter`; throws FilterLimitError past a limit. */
  take(parameter: string, terms = 1): void {
    const own = (this.perParameter.get(parameter) ?? 0) + terms;
    this.perParameter.set(parameter, own);
    this.total += terms;
    if (own > this.limits.perParameter)
      throw new FilterLimitError(
        parameter,
        'too_many_values',
        `Too many values for the query parameter "${parameter}": at most ${this.limits.perParameter} per request.`,
      );
    if (this.total > this.limits.total)
      throw new FilterLimitError(
        null,
        'too_many_terms',
        `Too many filter values in one request: at most ${this.limits.total} in all.`,
      );
  }

  /** Throws FilterLimitError when `value` of `parameter` is longer than allowed. */
  checkLength(parameter: string, value: string): void {
    if (value.length > this.limits.valueLength)
      throw new FilterLimitError(
        parameter,
        'max_length',
        `The value of the query parameter "${parameter}" is too long: at most ${this.limits.valueLength} characters.`,
      );
  }
}

/** Every value of a parsed query parameter (strings, or nested objects from an extended parser). */
function values(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(values);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(values);
  return value === undefined ? [] : [String(value)];
}

/**
 * Checks the query string of reading requests (GET, HEAD) against the limits before the route
 * runs: each occurrence of a parameter is a term, each value no longer than allowed. Dialects
 * count the items of their list values on top, where they parse them (FilterBudget).
 */
export function queryLimits(limits: FilterLimits = FILTER_LIMITS): RequestHandler {
  return (req, _res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const budget = new FilterBudget(limits);
    try {
      for (const [name, value] of Object.entries(req.query ?? {})) {
        const list = values(value);
        for (const v of list) budget.checkLength(name, v);
        budget.take(name, list.length);
      }
    } catch (error) {
      return next(error);
    }
    next();
  };
}
