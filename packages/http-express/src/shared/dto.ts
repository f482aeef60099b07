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

/**
 * Turns a request body into a validated DTO instance, or throws a core ValidationError
 * listing every offending field. Unknown properties are ignored, not rejected.
 */
export function parseBody<T extends object>(cls: new () => T, body: unknown): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new ValidationError('Invalid data. Expected a dictionary, but got ' + (Array.isArray(body) ? 'list' : typeof body) + '.', 'non_field_errors');
  const instance = plainToInstance(cls, body, { exposeDefaultValues: true });
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: false, validationError: { target: false, value: false } });
  if (errors.length) throw new ValidationError(flatten(errors));
  return instance;
}
