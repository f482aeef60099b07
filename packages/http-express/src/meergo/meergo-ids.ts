import { MAX_SEQ } from '@pipewright/core';
import { meergoBadRequest } from './meergo-errors.js';

/** What a path id names, for the error message. */
export type IdKind = 'pipeline' | 'pipeline run' | 'connection';

/**
 * A path identifier as Meergo parses it: `^[1-9][0-9]*$` and at most 2^31-1, else 400
 * `identifier "x" is not a valid <kind> identifier`. The ints are our `seq` columns.
 */
export function pathId(raw: unknown, kind: IdKind): number {
  const text = String(raw ?? '');
  const n = /^[1-9][0-9]*$/.test(text) && text.length <= 10 ? Number(text) : 0;
  if (n < 1 || n > MAX_SEQ)
    throw meergoBadRequest(`identifier ${JSON.stringify(text)} is not a valid ${kind} identifier`);
  return n;
}
