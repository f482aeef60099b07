import type { FieldIssue } from '@pipewright/core';

/**
 * One line of text for a list of field issues, for dialects whose errors carry a single
 * message. An issue whose message already names its field (class-validator's "enabled must
 * be a boolean value", core's "schedule period can be …") is kept as is; others are
 * prefixed with the field ("name: This field is required.").
 */
export function issueText(issues: readonly FieldIssue[], fallback: string): string {
  if (!issues.length) return fallback;
  const lines = issues.map((i) => {
    const last = i.field.split('.').pop() ?? i.field;
    const named = i.field === 'non_field_errors' || i.message.toLowerCase().includes(last.toLowerCase());
    return named ? i.message : `${i.field}: ${i.message}`;
  });
  // Two rules failing on one field may say the same thing; say it once.
  return [...new Set(lines)].join('; ');
}
