import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { RE2JS } from 're2js';

type RegExpEngine = NonNullable<NonNullable<Options['code']>['regExp']>;

// ajv-formats is CommonJS: under nodenext its default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv,
) => Ajv;

/**
 * `pattern` / `patternProperties` on RE2 (re2js: pure JavaScript, linear time), so a
 * tenant's schema cannot backtrack catastrophically (`^(a+)+$`). RE2 has no backreferences
 * or lookarounds: a schema using them does not compile ("Invalid JSON Schema").
 */
export const re2RegExp: RegExpEngine = Object.assign(
  (pattern: string, flags: string) => {
    let f = 0;
    if (flags.includes('i')) f |= RE2JS.CASE_INSENSITIVE;
    if (flags.includes('m')) f |= RE2JS.MULTILINE;
    if (flags.includes('s')) f |= RE2JS.DOTALL;
    let re: RE2JS;
    try {
      re = RE2JS.compile(RE2JS.translateRegExp(pattern), f);
    } catch (e) {
      throw new Error(
        `pattern "${pattern}" is not supported (RE2 syntax, no backreferences or lookarounds): ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    // JSON Schema patterns are not anchored: any match in the string counts. Ajv shares
    // compiled patterns by their toString(), so it must tell patterns apart.
    return { test: (s: string) => re.matcher(s).find(), toString: () => `/${pattern}/${flags}` };
  },
  { code: 're2js' },
);

/** One Ajv instance per use: all errors reported, standard formats (date-time, email …) known, RE2 patterns. */
export function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, code: { regExp: re2RegExp } });
  addFormats(ajv);
  return ajv;
}

/** Compiles a JSON Schema; throws an Error with Ajv's message when it is not a valid schema. */
export function compileSchema(ajv: Ajv, schema: Record<string, unknown>): ValidateFunction {
  return ajv.compile(schema);
}

/** Ajv's errors as short messages (`/age must be >= 0`). */
export function describeErrors(errors: readonly ErrorObject[] | null | undefined): string {
  if (!errors?.length) return 'does not match the schema';
  return errors
    .slice(0, 5)
    .map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`)
    .join('; ');
}
