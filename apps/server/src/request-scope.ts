import { withQueryScope } from '@pipewright/storage-kysely';
import type { RequestHandler } from 'express';

/** Methods whose requests only read: cancelling their statements loses nothing. */
const READS = new Set(['GET', 'HEAD']);

/**
 * Runs each reading request in a query scope whose signal aborts when the client goes away
 * before the answer is complete: the statement it is waiting on is then cancelled in Postgres
 * instead of running on for nobody. Writes are left alone: their statements are short, and
 * work they start (a run) goes on after the response and would inherit the scope.
 */
export function requestQueryScope(): RequestHandler {
  return (req, res, next) => {
    if (!READS.has(req.method)) return next();
    const controller = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    withQueryScope(controller.signal, next);
  };
}
