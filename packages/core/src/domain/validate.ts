import { ValidationError, type FieldIssue } from '../errors/domain-error.js';

/** Collects field issues and throws them together, so a client sees every problem at once. */
export class Issues {
  private readonly list: FieldIssue[] = [];

  add(field: string, message: string, code = 'invalid'): this {
    this.list.push({ field, message, code });
    return this;
  }

  text(field: string, value: unknown, opts: { max: number; required?: boolean; min?: number }): this {
    if (value === undefined || value === null || value === '') {
      if (opts.required) this.add(field, 'This field is required.', 'required');
      return this;
    }
    if (typeof value !== 'string') return this.add(field, 'Must be a string.', 'invalid');
    if (opts.required && value.trim() === '') return this.add(field, 'This field may not be blank.', 'blank');
    if (value.length > opts.max)
      return this.add(field, `Ensure this field has no more than ${opts.max} characters.`, 'max_length');
    if (opts.min !== undefined && value.length < opts.min)
      return this.add(field, `Ensure this field has at least ${opts.min} characters.`, 'min_length');
    return this;
  }

  throwIfAny(): void {
    if (this.list.length > 0) throw new ValidationError([...this.list]);
  }
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const MAX_SEQ = 2 ** 31 - 1;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_RE.test(value);
}
