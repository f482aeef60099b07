import { FLOW_PERMISSIONS } from '@pipewright/core';
import type { JsonSchema } from '../shared/openapi.js';

/** OpenAPI schemas of Flow's responses (documentation only; views build the bodies). */

const errorBody: JsonSchema = {
  type: 'object',
  properties: { status: { const: 'ERROR' }, msg: { type: 'string' } },
  required: ['status', 'msg'],
};

export const errorResponse = { description: 'Authentication failed: {"status": "ERROR", "msg"}', schema: errorBody };

const okOrError = (ok: JsonSchema): JsonSchema => ({ oneOf: [ok, errorBody] });

export const pipelinesSchema: JsonSchema = okOrError({
  type: 'object',
  properties: {
    status: { const: 'OK' },
    pipelines: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          id: { type: 'string', format: 'uuid' },
          permissions: { type: 'array', items: { type: 'string', enum: [...FLOW_PERMISSIONS] } },
          is_manager: { type: 'boolean' },
        },
        required: ['name', 'id', 'permissions', 'is_manager'],
      },
    },
  },
  required: ['status', 'pipelines'],
});

export const updatedPipelinesSchema: JsonSchema = okOrError({
  type: 'object',
  properties: {
    status: { const: 'OK' },
    updated_pipelines: {
      type: 'array',
      items: {
        type: 'object',
        properties: { flowPipelineName: { type: 'string' }, flowPipelineId: { type: 'string', format: 'uuid' } },
        required: ['flowPipelineName', 'flowPipelineId'],
      },
    },
  },
  required: ['status', 'updated_pipelines'],
});

export const jobStatusSchema: JsonSchema = okOrError({
  type: 'object',
  properties: {
    status: { const: 'OK' },
    job_id: { type: 'string', format: 'uuid' },
    state: { type: 'string', enum: ['PENDING', 'DONE'] },
    msg: { type: 'string' },
    is_waiting_for_resources: { type: 'boolean' },
    cur_status: {
      type: 'string',
      description: 'JSON: {status: RUNNING|COMPLETE|FAILED|CANCELLED, curProgress, finish_timestamp, run_summary}',
    },
    results: {
      type: 'array',
      items: {
        type: 'object',
        properties: { status: { type: 'string', enum: ['OK', 'ERROR'] }, msg: { type: 'string' } },
      },
    },
  },
  required: ['status', 'job_id', 'state', 'cur_status'],
});
