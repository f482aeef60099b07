import { ValidationError } from '@pipewright/core';
import type { ConnectorInfo } from '../shared/route-set.js';

export const SCHEMA_TYPES = { src: 'source', dest: 'destination' } as const;
export const SCHEMA_ENTITIES = ['file', 'api', 'db'] as const;

/**
 * `workflow/schema/?type=src|dest`: one JSON Schema for `source_settings` or
 * `destination_settings`, with a branch per connector the engine offers (so embedders'
 * connectors appear), each carrying that connector's settings schema.
 */
export function connectorSettingsSchema(
  type: string | undefined,
  entity: string | undefined,
  connectors: readonly ConnectorInfo[],
) {
  const t = type ?? 'src';
  if (!Object.hasOwn(SCHEMA_TYPES, t))
    throw ValidationError.field('type', `"${t}" is not a valid choice.`, 'invalid_choice');
  if (entity !== undefined && !SCHEMA_ENTITIES.includes(entity as never))
    throw ValidationError.field('entity', `"${entity}" is not a valid choice.`, 'invalid_choice');
  const kind = SCHEMA_TYPES[t as keyof typeof SCHEMA_TYPES];
  const offered = connectors.filter((c) => c.kind === kind);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: kind === 'source' ? 'Source settings' : 'Destination settings',
    type: 'object',
    required: ['connector'],
    properties: {
      connector: { type: 'string', ...(offered.length ? { enum: offered.map((c) => c.name) } : {}) },
      settings: { type: 'object' },
    },
    ...(offered.length
      ? {
          oneOf: offered.map((c) => ({
            title: c.name,
            ...(c.description ? { description: c.description } : {}),
            properties: { connector: { const: c.name }, settings: c.settingsSchema },
          })),
        }
      : {}),
  };
}
