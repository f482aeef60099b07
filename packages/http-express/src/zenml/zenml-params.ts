import { isUuid } from '@pipewright/core';
import type { Request } from 'express';
import { many, single } from '../shared/request-url.js';
import { requestError } from './zenml-errors.js';

/**
 * Reading ZenML's query and path parameters with FastAPI's type rules: a value of the
 * wrong type is a 422 with a bare-array body (see requestError).
 */

/** A single-input parameter (the last one wins when repeated, as FastAPI does). */
export function param(req: Request, name: string): string | undefined {
  return single(req.query[name]);
}

/** A list-typed parameter: every occurrence is its own value. */
export function params(req: Request, name: string): string[] {
  return many(req.query[name]);
}

export function intParam(req: Request, name: string, fallback: number): number {
  const raw = param(req, name);
  if (raw === undefined) return fallback;
  if (!/^\s*[+-]?\d+\s*$/.test(raw))
    throw requestError([
      {
        type: 'int_parsing',
        loc: ['query', name],
        msg: 'Input should be a valid integer, unable to parse string as an integer',
        input: raw,
      },
    ]);
  return Number.parseInt(raw, 10);
}

const TRUE = ['1', 'on', 't', 'true', 'y', 'yes'];
const FALSE = ['0', 'off', 'f', 'false', 'n', 'no'];

export function boolParam(req: Request, name: string, fallback: boolean): boolean {
  const raw = param(req, name);
  if (raw === undefined) return fallback;
  const v = raw.trim().toLowerCase();
  if (TRUE.includes(v)) return true;
  if (FALSE.includes(v)) return false;
  throw requestError([
    {
      type: 'bool_parsing',
      loc: ['query', name],
      msg: 'Input should be a valid boolean, unable to interpret input',
      input: raw,
    },
  ]);
}

/** A `{name}` path parameter typed UUID in ZenML (`loc` is ZenML's parameter name). */
export function uuidPath(req: Request, name: string, loc: string): string {
  const raw = String(req.params[name] ?? '');
  if (!isUuid(raw))
    throw requestError([{ type: 'uuid_parsing', loc: ['path', loc], msg: 'Input should be a valid UUID', input: raw }]);
  return raw.toLowerCase();
}
