import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: under nodenext its default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

/** One Ajv instance per use: all errors reported, standard formats (date-time, email …) known. */
export function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false });
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
