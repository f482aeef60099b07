import { ValidationError, type FieldIssue } from '../errors/domain-error.js';

/** Collects field issues and throws them together, so a client sees every problem at once. */
export class Issues {
  private readonly list: FieldIssue[] = [];

  add(field: string, message: string, code = 'invalid'): this {
    this.list.push({ field, message, code });
    return this;
  }

  /** A generic rule broken: dialects word it from its code and params (see `FieldIssue.params`). */
  rule(
    field: string,
    code: 'required' | 'blank' | 'max_length' | 'min_length' | 'requires_update_time_column',
    params: Record<string, number> = {},
  ): this {
    this.list.push(ruleIssue(field, code, params));
    return this;
  }

  text(field: string, value: unknown, opts: { max: number; required?: boolean; min?: number }): this {
    if (value === undefined || value === null || value === '') {
      if (opts.required) this.rule(field, 'required');
      return this;
    }
    if (typeof value !== 'string') return this.add(field, 'Must be a string.', 'invalid');
    if (opts.required && value.trim() === '') return this.rule(field, 'blank');
    if (value.length > opts.max) return this.rule(field, 'max_length', { max: opts.max });
    if (opts.min !== undefined && value.length < opts.min) return this.rule(field, 'min_length', { min: opts.min });
    return this;
  }

  throwIfAny(): void {
    if (this.list.length > 0) throw new ValidationError([...this.list]);
  }
}

/** The core's plain wording of the generic rules; dialects replace it with their own. */
const RULE_TEXT: Record<string, (p: Record<string, string | number>) => string> = {
  required: () => 'Required.',
  blank: () => 'Must not be blank.',
  max_length: (p) => `At most ${p.max} characters.`,
  min_length: (p) => `At least ${p.min} characters.`,
  does_not_exist: (p) => `No such object: "${p.value}".`,
  requires_update_time_column: () => 'An incremental pipeline needs an update time column.',
};

/** A field issue of a generic rule, with the core's plain wording (see `FieldIssue.params`). */
export function ruleIssue(
  field: string,
  code: 'required' | 'blank' | 'max_length' | 'min_length' | 'does_not_exist' | 'requires_update_time_column',
  params: Record<string, string | number> = {},
): FieldIssue {
  return { field, code, params, message: RULE_TEXT[code]!(params) };
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const MAX_SEQ = 2 ** 31 - 1;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_RE.test(value);
}
