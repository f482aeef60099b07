import 'reflect-metadata';
import { DEPLOYMENT_TYPES, PIPELINE_TYPES, type DeploymentType, type PipelineType } from '@pipewright/core';
import { Transform, Type } from 'class-transformer';
import {
  Allow,
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { IsUserRef, type UserRef } from './unstract-users.js';

/**
 * Request bodies in Unstract's field names, with DRF's messages. Their metadata also
 * drives the OPTIONS documents (unstract-metadata.ts) and the OpenAPI schemas.
 */
const required = { message: 'This field is required.' };
const blank = { message: 'This field may not be blank.' };
const str = { message: 'Not a valid string.' };
const bool = { message: 'Must be a valid boolean.' };
const uuid = { message: 'Must be a valid UUID.' };
const int = { message: 'A valid integer is required.' };
const dict = { message: 'Expected a dictionary of items.' };
const max = (n: number) => ({ message: `Ensure this field has no more than ${n} characters.` });
const choice = { message: '"$value" is not a valid choice.' };

export const EXECUTION_ACTIONS = ['START', 'NEXT', 'STOP', 'CONTINUE'] as const;
export type ExecutionAction = (typeof EXECUTION_ACTIONS)[number];

/** POST/PUT `pipeline/`. `active` is forced true on create; `scheduled` follows `cron_string`. */
export class UnstractPipelineDto {
  @IsDefined(required)
  @IsString(str)
  @IsNotEmpty(blank)
  @MaxLength(32, max(32))
  pipeline_name!: string;

  @JSONSchema({ description: 'The workflow id.' })
  @IsDefined(required)
  @IsUUID('all', uuid)
  workflow!: string;

  @IsOptional()
  @IsIn(PIPELINE_TYPES, choice)
  pipeline_type?: PipelineType;

  @JSONSchema({ description: 'Cron expression; empty or null for no schedule.' })
  @IsOptional()
  @IsString(str)
  cron_string?: string | null;

  @IsOptional()
  @IsBoolean(bool)
  active?: boolean;
}

/** PATCH `pipeline/{id}/`: every field optional; `shared_users`/`shared_to_org` share as before June 2026. */
export class UnstractPipelinePatchDto {
  @IsOptional()
  @IsString(str)
  @IsNotEmpty(blank)
  @MaxLength(32, max(32))
  pipeline_name?: string;

  @IsOptional()
  @IsUUID('all', uuid)
  workflow?: string;

  @IsOptional()
  @IsIn(PIPELINE_TYPES, choice)
  pipeline_type?: PipelineType;

  @IsOptional()
  @IsString(str)
  cron_string?: string | null;

  @IsOptional()
  @IsBoolean(bool)
  active?: boolean;

  @IsOptional()
  @IsArray()
  @IsUserRef({ each: true })
  shared_users?: UserRef[];

  @IsOptional()
  @IsBoolean(bool)
  shared_to_org?: boolean;
}

/** POST `pipeline/{id}/share/` and `workflow/{id}/share/`: replaces what is given. */
export class UnstractShareDto {
  @IsOptional()
  @IsArray()
  @IsUserRef({ each: true })
  shared_users?: UserRef[];

  @IsOptional()
  @IsBoolean(bool)
  shared_to_org?: boolean;

  @JSONSchema({ description: 'Accepted for compatibility; groups are not supported.' })
  @IsOptional()
  @IsArray()
  shared_groups?: unknown[];
}

/** POST `pipeline/execute/`. */
export class UnstractExecutePipelineDto {
  @IsDefined(required)
  @IsUUID('all', uuid)
  pipeline_id!: string;

  @IsOptional()
  @IsUUID('all', uuid)
  execution_id?: string;
}

/** POST/PUT `workflow/`: only `workflow_name` is required. */
export class UnstractWorkflowDto {
  @IsDefined(required)
  @IsString(str)
  @IsNotEmpty(blank)
  @MaxLength(128, max(128))
  workflow_name!: string;

  @IsOptional()
  @IsString(str)
  @MaxLength(490, max(490))
  description?: string | null;

  @IsOptional()
  @IsIn(DEPLOYMENT_TYPES, choice)
  deployment_type?: DeploymentType;

  @JSONSchema({ description: '{connector, connection (a connection id or name), settings}' })
  @IsOptional()
  @IsObject(dict)
  source_settings?: Record<string, unknown> | null;

  @JSONSchema({ description: '{connector, connection (a connection id or name), settings}' })
  @IsOptional()
  @IsObject(dict)
  destination_settings?: Record<string, unknown> | null;

  @JSONSchema({ description: '{input_schema, filter, transformation, output_schema}' })
  @IsOptional()
  @IsObject(dict)
  stage_settings?: Record<string, unknown> | null;

  @IsOptional()
  @IsInt(int)
  @Min(1, { message: 'Ensure this value is greater than or equal to 1.' })
  max_file_execution_count?: number | null;

  @IsOptional()
  @IsBoolean(bool)
  retry_on_interrupt?: boolean;

  @IsOptional()
  @IsBoolean(bool)
  is_active?: boolean;
}

/** PATCH `workflow/{id}/`. */
export class UnstractWorkflowPatchDto {
  @IsOptional()
  @IsString(str)
  @IsNotEmpty(blank)
  @MaxLength(128, max(128))
  workflow_name?: string;

  @IsOptional()
  @IsString(str)
  @MaxLength(490, max(490))
  description?: string | null;

  @IsOptional()
  @IsIn(DEPLOYMENT_TYPES, choice)
  deployment_type?: DeploymentType;

  @IsOptional()
  @IsObject(dict)
  source_settings?: Record<string, unknown> | null;

  @IsOptional()
  @IsObject(dict)
  destination_settings?: Record<string, unknown> | null;

  @IsOptional()
  @IsObject(dict)
  stage_settings?: Record<string, unknown> | null;

  @IsOptional()
  @IsInt(int)
  @Min(1, { message: 'Ensure this value is greater than or equal to 1.' })
  max_file_execution_count?: number | null;

  @IsOptional()
  @IsBoolean(bool)
  retry_on_interrupt?: boolean;

  @IsOptional()
  @IsBoolean(bool)
  is_active?: boolean;

  @IsOptional()
  @IsArray()
  @IsUserRef({ each: true })
  shared_users?: UserRef[];

  @IsOptional()
  @IsBoolean(bool)
  shared_to_org?: boolean;
}

/** POST `workflow/execute/` (JSON or multipart with `files`). */
export class UnstractExecuteWorkflowDto {
  @IsDefined(required)
  @IsUUID('all', uuid)
  workflow_id!: string;

  @IsOptional()
  @IsIn(EXECUTION_ACTIONS, choice)
  execution_action?: ExecutionAction;

  @IsOptional()
  @IsUUID('all', uuid)
  execution_id?: string;

  @JSONSchema({ description: 'Seconds to wait for the execution to finish when continuing one (0-300, default 300).' })
  @IsOptional()
  @Type(() => Number)
  @IsInt(int)
  @Min(0, { message: 'Ensure this value is greater than or equal to 0.' })
  @Max(300, { message: 'Ensure this value is less than or equal to 300.' })
  timeout?: number;
}

/** POST `api/keys/pipeline/{pipeline_id}/`; the pipeline comes from the path. */
export class UnstractApiKeyDto {
  @IsOptional()
  @IsString(str)
  @MaxLength(255, max(255))
  description?: string | null;

  @IsOptional()
  @IsBoolean(bool)
  is_active?: boolean;

  @JSONSchema({ description: 'An API deployment id (not supported here: give the pipeline).' })
  @IsOptional()
  @IsString(str)
  api?: string | null;

  @JSONSchema({ description: 'The pipeline id (taken from the path).' })
  @IsOptional()
  @IsString(str)
  pipeline?: string | null;
}

/** PUT `api/keys/{id}/`. */
export class UnstractApiKeyUpdateDto {
  @IsOptional()
  @IsString(str)
  @MaxLength(255, max(255))
  description?: string | null;

  @IsOptional()
  @IsBoolean(bool)
  is_active?: boolean;
}

const commaList = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : value;

/** POST `workflow/{workflow_id}/file-histories/clear/`: at least one criterion. */
export class UnstractFileHistoryClearDto {
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100, { message: 'Ensure this field has no more than 100 elements.' })
  @IsUUID('all', { each: true, ...uuid })
  ids?: string[];

  @JSONSchema({ description: 'A list, or a comma-separated string, of statuses.' })
  @IsOptional()
  @Transform(commaList)
  @IsArray()
  @IsString({ each: true, ...str })
  status?: string[];

  @IsOptional()
  @Type(() => Number)
  @IsInt(int)
  execution_count_min?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt(int)
  execution_count_max?: number;

  @IsOptional()
  @IsString(str)
  file_path?: string;
}

export const CONNECTOR_TYPES = ['INPUT', 'OUTPUT'] as const;

/**
 * POST/PUT `connector/`: a connector instance is a connection. `connector_id` names its kind
 * (`postgres`, Unstract's `postgresql|<uuid>` …); `connector_metadata` holds its settings,
 * secrets included, in plaintext (sealed, and masked in every answer).
 */
export class UnstractConnectorDto {
  @IsDefined(required)
  @IsString(str)
  @IsNotEmpty(blank)
  @MaxLength(128, max(128))
  connector_name!: string;

  @JSONSchema({
    description:
      'The connection kind: "postgres", "webhook", "filesystem" (Unstract\'s "<name>|<uuid>" form is accepted).',
  })
  @IsDefined(required)
  @IsString(str)
  @IsNotEmpty(blank)
  @MaxLength(128, max(128))
  connector_id!: string;

  @JSONSchema({ description: 'The settings, secrets included; a secret sent back as "********" keeps its value.' })
  @IsOptional()
  @IsObject(dict)
  connector_metadata?: Record<string, unknown> | null;

  @JSONSchema({ description: 'Accepted for compatibility; a connection serves as source or destination alike.' })
  @IsOptional()
  @IsIn(CONNECTOR_TYPES, choice)
  connector_type?: (typeof CONNECTOR_TYPES)[number] | null;

  @IsOptional()
  @IsString(str)
  @MaxLength(490, max(490))
  description?: string | null;
}

/** PATCH `connector/{id}/`: every field optional; `connector_metadata` is merged into the current settings. */
export class UnstractConnectorPatchDto {
  @IsOptional()
  @IsString(str)
  @IsNotEmpty(blank)
  @MaxLength(128, max(128))
  connector_name?: string;

  @IsOptional()
  @IsString(str)
  @IsNotEmpty(blank)
  @MaxLength(128, max(128))
  connector_id?: string;

  @IsOptional()
  @IsObject(dict)
  connector_metadata?: Record<string, unknown> | null;

  @IsOptional()
  @IsIn(CONNECTOR_TYPES, choice)
  connector_type?: (typeof CONNECTOR_TYPES)[number] | null;

  @IsOptional()
  @IsString(str)
  @MaxLength(490, max(490))
  description?: string | null;
}

/** `connection_type` choices on input: Unstract's, and "" (not chosen; clears the endpoint without a connector instance). */
export const ENDPOINT_CONNECTION_TYPES = [
  '',
  'FILESYSTEM',
  'DATABASE',
  'API',
  'APPDEPLOYMENT',
  'MANUALREVIEW',
] as const;

/**
 * PUT/PATCH `workflow/endpoint/{id}/`. `connector_instance_id` (Unstract's write field; PUT
 * requires it) or `connector_instance` (an id, or the object a GET returned) names a connection
 * of the organization, or null. Read-only fields (`id`, `workflow`, `endpoint_type`, …) are ignored.
 */
export class UnstractWorkflowEndpointDto {
  @JSONSchema({
    description: 'FILESYSTEM, DATABASE or API ("" clears the endpoint when no connector instance is given).',
  })
  @IsOptional()
  @IsIn(ENDPOINT_CONNECTION_TYPES, choice)
  connection_type?: (typeof ENDPOINT_CONNECTION_TYPES)[number] | null;

  @JSONSchema({
    description: "The connector's settings (never a target or a credential: those live in the connector instance).",
  })
  @IsOptional()
  @IsObject(dict)
  configuration?: Record<string, unknown> | null;

  @JSONSchema({
    type: ['string', 'null'],
    format: 'uuid',
    description: 'The connector instance (connection) id, or null.',
  })
  @Allow()
  connector_instance_id?: unknown;

  @JSONSchema({
    description: 'Accepted as connector_instance_id: an id, null, or the connector instance object a GET returned.',
  })
  @Allow()
  connector_instance?: unknown;
}
