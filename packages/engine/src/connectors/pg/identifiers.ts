/** A plain SQL identifier; anything else is refused rather than escaped. */
export const IDENTIFIER_PATTERN = '^[A-Za-z_][A-Za-z0-9_$]{0,62}$';
/** A table, optionally schema-qualified (`schema.table`). */
export const TABLE_PATTERN = '^[A-Za-z_][A-Za-z0-9_$]{0,62}(\\.[A-Za-z_][A-Za-z0-9_$]{0,62})?$';

const IDENTIFIER_RE = new RegExp(IDENTIFIER_PATTERN);
const TABLE_RE = new RegExp(TABLE_PATTERN);

/** Double-quotes a validated identifier (quoting keeps its case, as written in the settings). */
export function quoteIdent(name: string): string {
  if (!IDENTIFIER_RE.test(name)) throw new Error(`"${name}" is not a valid column name.`);
  return `"${name}"`;
}

/** Quotes `table` or `schema.table`. */
export function quoteTable(name: string): string {
  if (!TABLE_RE.test(name)) throw new Error(`"${name}" is not a valid table name.`);
  return name
    .split('.')
    .map((part) => `"${part}"`)
    .join('.');
}
