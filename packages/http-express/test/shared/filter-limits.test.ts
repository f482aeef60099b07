import { describe, expect, it } from '@jest/globals';
import { FILTER_LIMITS, FilterBudget, FilterLimitError } from '../../src/shared/filter-limits.js';
import { classifyError } from '../../src/shared/classify-error.js';

const thrown = (work: () => void): FilterLimitError => {
  try {
    work();
  } catch (error) {
    return error as FilterLimitError;
  }
  throw new Error('expected a FilterLimitError');
};

describe('FilterBudget', () => {
  it('allows the limits exactly', () => {
    const budget = new FilterBudget();
    budget.take('tag', FILTER_LIMITS.perParameter);
    budget.take('name', FILTER_LIMITS.perParameter);
    budget.take('user', FILTER_LIMITS.total - 2 * FILTER_LIMITS.perParameter);
    budget.checkLength('name', 'x'.repeat(FILTER_LIMITS.valueLength));
  });

  it('refuses one term more of a parameter, of the request, and a longer value', () => {
    const one = new FilterBudget();
    one.take('tag', 20);
    expect(thrown(() => one.take('tag'))).toMatchObject({ parameter: 'tag', limitCode: 'too_many_values' });
    const all = new FilterBudget({ perParameter: 20, total: 5, valueLength: 10 });
    all.take('a', 3);
    expect(thrown(() => all.take('b', 3))).toMatchObject({ parameter: null, limitCode: 'too_many_terms' });
    expect(thrown(() => all.checkLength('c', 'x'.repeat(11)))).toMatchObject({
      parameter: 'c',
      limitCode: 'max_length',
    });
  });

  it('is classified FILTER_LIMIT with the parameter as the issue field', () => {
    const error = thrown(() => new FilterBudget().take('tag', 21));
    expect(classifyError(error)).toMatchObject({
      kind: 'FILTER_LIMIT',
      message: error.message,
      issues: [{ field: 'tag', message: error.message, code: 'too_many_values' }],
    });
  });
});
