import 'reflect-metadata';
import { ValidationError, type FieldIssue } from '@pipewright/core';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError as ClassValidationError } from 'class-validator';

function flatten(errors: ClassValidationError[], prefix = ''): FieldIssue[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.entries(e.constraints ?? {}).map(([code, message]) => ({ field, message, code }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Deepest JSON nesting a body may have: class-transformer recurses and would overflow the stack. */
export const MAX_BODY_DEPTH = 64;

/** Whether a parsed JSON value nests deeper than `max` (measured without recursion). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Turns a request body into a validated DTO instance, or throws a core ValidationError
 * listing every offending field. Unknown properties are ignored, not rejected.
 */
export function parseBody<T extends object>(cls: new () => T, body: unknown): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new ValidationError(
      'Invalid data. Expected a dictionary, but got ' + (Array.isArray(body) ? 'list' : typeof body) + '.',
      'non_field_errors',
    );
  if (nestsDeeperThan(body, MAX_BODY_DEPTH))
    throw new ValidationError(`Invalid data. The body nests deeper than ${MAX_BODY_DEPTH} levels.`, 'non_field_errors');
  const instance = plainToInstance(cls, body, { exposeDefaultValues: true });
  let errors: ClassValidationError[];
  try {
    errors = validateSync(instance, {
      whitelist: true,
      forbidNonWhitelisted: false,
      validationError: { target: false, value: false },
    });
  } catch (e) {
    // A validator that throws on its input (validator.js's isEmail runs encodeURI, which throws
    // on a lone surrogate) is rejecting that input: the client's error, not the server's.
    if (e instanceof URIError)
      throw new ValidationError(
        'Invalid data: a text value is not valid Unicode (a lone surrogate).',
        'non_field_errors',
      );
    throw e;
  }
  if (errors.length) throw new ValidationError(flatten(errors));
  return instance;
}
