import {
  PIPELINE_FIELDS,
  PIPELINE_SORTS,
  ValidationError,
  escapeLike,
  query,
  type PipelineField,
  type PipelineSort,
} from '@pipewright/core';
import { checkQuery } from '../src/services/query-check.js';

const check = (q: Parameters<typeof query<PipelineField, PipelineSort>>[0]) => () =>
  checkQuery(query(q), PIPELINE_FIELDS, PIPELINE_SORTS);

describe('checkQuery', () => {
  it('accepts operators allowed for the field type', () => {
    expect(
      check({
        filters: [
          { field: 'name', op: 'contains', value: 'a' },
          { field: 'createdAt', op: 'in', value: [new Date(0), new Date(1)] },
        ],
      }),
    ).not.toThrow();
    expect(check({ filters: [{ field: 'tags', op: 'isempty' }] })).not.toThrow();
  });

  it.each([
    [{ filters: [{ field: 'createdAt', op: 'contains', value: 'x' }] }, 'createdAt'],
    [{ filters: [{ field: 'enabled', op: 'gt', value: true }] }, 'enabled'],
    [{ filters: [{ field: 'name', op: 'in', value: ['a', 'b'] }] }, 'name'],
    [{ filters: [{ field: 'name', op: 'oneof', value: 'a' }] }, 'name'],
    [{ filters: [{ field: 'nope', op: 'equals', value: 'a' }] }, 'nope'],
    [{ sort: [{ field: 'nope', direction: 'asc' }] }, 'sort_by'],
    [{ page: { page: 0, size: 10 } }, 'page'],
    [{ page: { page: 1, size: 10_001 } }, 'size'],
  ])('rejects %j on %s', (q, field) => {
    try {
      check(q as never)();
      throw new Error('expected ValidationError');
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).issues[0]!.field).toBe(field);
    }
  });

  it('escapes LIKE metacharacters', () => {
    expect(escapeLike('50%_off\\')).toBe('50\\%\\_off\\\\');
  });
});
