import type { FieldIssue } from '@pipewright/core';

type Params = Readonly<Record<string, string | number>>;

/**
 * The dialects' sentences for the core's generic rules (`FieldIssue.params` set): the four
 * route sets model Django REST Framework's validation texts, so one table serves them all; a
 * dialect that words a rule differently renders its own before this one.
 */
const RULE_TEXT: Record<string, (p: Params) => string> = {
  required: () => 'This field is required.',
  blank: () => 'This field may not be blank.',
  max_length: (p) => `Ensure this field has no more than ${p.max} characters.`,
  min_length: (p) => `Ensure this field has at least ${p.min} characters.`,
  does_not_exist: (p) => `Invalid pk "${p.value}" - object does not exist.`,
  // Meergo's save rule in Meergo's words (only Meergo's and the native API's bodies set `incremental`).
  requires_update_time_column: () => 'incremental requires an update time column',
};

/** An issue as a dialect shows it: a generic rule worded from its code and params, else the core's message. */
export function issueMessage(issue: FieldIssue): string {
  const text = issue.params && issue.code ? RULE_TEXT[issue.code] : undefined;
  return text ? text(issue.params!) : issue.message;
}

/** The issues with their dialect wording (`issueMessage`). */
export function renderIssues(issues: readonly FieldIssue[]): FieldIssue[] {
  return issues.map((i) => (i.params ? { ...i, message: issueMessage(i) } : i));
}

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
