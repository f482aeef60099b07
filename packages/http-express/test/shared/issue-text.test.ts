import { ValidationError, ruleIssue } from '@pipewright/core';
import { classifyError } from '../../src/shared/classify-error.js';
import { issueMessage } from '../../src/shared/issue-text.js';

describe('issue wording', () => {
  it("words the core's generic rules in the dialects' sentences from code and params", () => {
    expect(issueMessage(ruleIssue('name', 'blank'))).toBe('This field may not be blank.');
    expect(issueMessage(ruleIssue('name', 'required'))).toBe('This field is required.');
    expect(issueMessage(ruleIssue('name', 'max_length', { max: 255 }))).toBe(
      'Ensure this field has no more than 255 characters.',
    );
    expect(issueMessage(ruleIssue('name', 'min_length', { min: 2 }))).toBe(
      'Ensure this field has at least 2 characters.',
    );
    expect(issueMessage(ruleIssue('workflowId', 'does_not_exist', { value: 'x' }))).toBe(
      'Invalid pk "x" - object does not exist.',
    );
  });

  it("keeps the core's own sentences, and words the error's message the same way", () => {
    expect(
      issueMessage({
        field: 'kind',
        message: 'This field is required: a connection kind such as "postgres".',
        code: 'required',
      }),
    ).toBe('This field is required: a connection kind such as "postgres".');
    const c = classifyError(
      new ValidationError([ruleIssue('name', 'blank'), { field: 'type', message: 'Bad type.', code: 'invalid' }]),
    );
    expect(c.issues.map((i) => i.message)).toEqual(['This field may not be blank.', 'Bad type.']);
    expect(c.message).toBe('name: This field may not be blank.; type: Bad type.');
  });
});
