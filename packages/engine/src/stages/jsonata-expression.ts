import jsonata from 'jsonata';

/**
 * Limits for one evaluation, so an expression with an endless loop or recursion fails
 * its record instead of hanging the run.
 */
const LIMITS = { timeout: 2_000, stack: 500 } as const;

/** A parsed JSONata expression. */
export type Expression = jsonata.Expression;

/** Parses an expression; throws an Error naming the position of a syntax error. */
export function compileExpression(source: string): Expression {
  try {
    return jsonata(source, LIMITS);
  } catch (e) {
    throw new Error(describeJsonataError(e));
  }
}

/** JSONata errors carry a code and position; make them one readable line. */
export function describeJsonataError(e: unknown): string {
  const err = e as { message?: string; position?: number; token?: string; code?: string };
  const where =
    typeof err.position === 'number' ? ` (at position ${err.position}${err.token ? `, near "${err.token}"` : ''})` : '';
  return `${err.message ?? String(e)}${where}`;
}
