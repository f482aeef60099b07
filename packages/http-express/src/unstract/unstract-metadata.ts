import { validationMetadatasToSchemas } from 'class-validator-jsonschema';

/**
 * Django REST Framework's OPTIONS document (SimpleMetadata) for a list route, generated
 * from the DTO's class-validator rules: `actions.POST` describes each writable field with
 * DRF's `type`, `required`, `read_only` and `label` (and `max_length`, `choices`, … when set).
 */
export interface DrfMetadata {
  name: string;
  description: string;
  renders: string[];
  parses: string[];
  actions: { POST: Record<string, DrfField> };
}

export interface DrfField {
  type: string;
  required: boolean;
  read_only: boolean;
  label: string;
  help_text?: string;
  max_length?: number;
  min_value?: number;
  max_value?: number;
  choices?: Array<{ value: unknown; display_name: string }>;
}

type Schema = {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  title?: string;
  description?: string;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, Schema>;
  required?: string[];
};

/** DRF's label: the field name with spaces and a capital first letter ("pipeline_name" → "Pipeline name"). */
export function drfLabel(field: string): string {
  const words = field.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** DRF's field type names: foreign keys, JSON and many-to-many fields are plain "field". */
function drfType(s: Schema): string {
  if (s.enum) return 'choice';
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  if (type === 'boolean') return 'boolean';
  if (type === 'integer') return 'integer';
  if (type === 'number') return 'float';
  if (type === 'string' && s.format === 'date-time') return 'datetime';
  if (type === 'string' && s.format === 'uuid') return 'field';
  if (type === 'string') return 'string';
  return 'field';
}

function drfField(name: string, s: Schema, required: boolean): DrfField {
  return {
    type: drfType(s),
    required,
    read_only: false,
    label: s.title ?? drfLabel(name),
    ...(s.description ? { help_text: s.description } : {}),
    ...(s.maxLength !== undefined ? { max_length: s.maxLength } : {}),
    ...(s.minimum !== undefined ? { min_value: s.minimum } : {}),
    ...(s.maximum !== undefined ? { max_value: s.maximum } : {}),
    ...(s.enum ? { choices: s.enum.map((v) => ({ value: v, display_name: String(v) })) } : {}),
  };
}

const cache = new Map<new () => object, Record<string, DrfField>>();

/** `actions.POST` for a DTO class (computed once per class). */
export function postActions(dto: new () => object): Record<string, DrfField> {
  let fields = cache.get(dto);
  if (!fields) {
    const schema = ((validationMetadatasToSchemas() as Record<string, Schema>)[dto.name] ?? {}) as Schema;
    const required = new Set(schema.required ?? []);
    fields = Object.fromEntries(
      Object.entries(schema.properties ?? {}).map(([name, s]) => [name, drfField(name, s, required.has(name))]),
    );
    cache.set(dto, fields);
  }
  return fields;
}

export function drfMetadata(options: {
  name: string;
  description: string;
  dto: new () => object;
  parses?: string[];
}): DrfMetadata {
  return {
    name: options.name,
    description: options.description,
    renders: ['application/json'],
    parses: options.parses ?? ['application/json'],
    actions: { POST: postActions(options.dto) },
  };
}
