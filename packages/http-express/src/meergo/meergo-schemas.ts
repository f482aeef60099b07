import type { JsonSchema } from '../shared/openapi.js';

/** OpenAPI schemas of Meergo's responses (documentation only; views build the bodies). */

const counters: JsonSchema = { type: 'array', items: { type: 'integer' }, minItems: 6, maxItems: 6 };

export const runSchema: JsonSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    pipeline: {
      type: 'integer',
      description: "The int id of the run's pipeline (runs without a visible pipeline are not listed).",
    },
    startTime: { type: 'string', format: 'date-time' },
    endTime: { type: ['string', 'null'], format: 'date-time' },
    passed: counters,
    failed: counters,
    error: { type: 'string' },
  },
  required: ['id', 'pipeline', 'startTime', 'endTime', 'passed', 'failed', 'error'],
};

export const runsSchema: JsonSchema = {
  type: 'object',
  properties: { runs: { type: 'array', items: runSchema } },
  required: ['runs'],
};

export const idSchema: JsonSchema = { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] };

export const pipelineSchema: JsonSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    uuid: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    description: { type: ['string', 'null'] },
    workflow: { type: 'string', format: 'uuid' },
    enabled: { type: 'boolean' },
    running: { type: 'boolean' },
    scheduleStart: { type: 'integer' },
    schedulePeriod: {
      type: ['string', 'null'],
      enum: ['5m', '15m', '30m', '1h', '2h', '3h', '6h', '8h', '12h', '24h', null],
    },
    scheduleCron: { type: 'string' },
    scheduleTimezone: { type: ['string', 'null'] },
    incremental: { type: 'boolean' },
    updatedAtColumn: { type: ['string', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
  required: [
    'id',
    'uuid',
    'name',
    'enabled',
    'running',
    'scheduleStart',
    'schedulePeriod',
    'incremental',
    'updatedAtColumn',
  ],
};

const errorBody: JsonSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, cause: { type: 'string' } },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
};

/** A documented error response (the body is always `{"error": {code, message}}`). */
export const err = (description: string) => ({
  description,
  schema: errorBody,
  contentType: 'application/json; charset=utf-8',
});
export const empty = { description: 'OK, empty body' };

/** The header that names the workspace (documented on every route). */
export const workspaceHeader = {
  'Meergo-Workspace': {
    schema: { type: 'integer', minimum: 1 },
    description: 'Workspace (organization) id; required with an access token, ignored with an API key.',
  },
};
