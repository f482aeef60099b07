import 'reflect-metadata';
import {
  PIPELINE_NAME_MAX,
  PIPELINE_TYPES,
  RETRY_LIMITS,
  RUN_TIMEOUT_SECONDS_MAX,
  type PipelineType,
  type RetryPolicyInput,
} from '@pipewright/core';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';

/** A pipeline's retry policy; fields left out keep their value (or take the defaults on create). */
export class RetryPolicyDto {
  @JSONSchema({ description: 'Attempts in all, the first included; 1 = no retry (default 1).' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(RETRY_LIMITS.maxAttempts)
  maxAttempts?: number;

  @JSONSchema({ description: 'Wait before the second attempt, in seconds (default 10).' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(RETRY_LIMITS.backoffSeconds)
  backoffSeconds?: number;

  @JSONSchema({ description: 'Each further wait is the previous one times this (default 2).' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(1)
  @Max(RETRY_LIMITS.backoffMultiplier)
  backoffMultiplier?: number;

  @JSONSchema({ description: 'Longest wait, in seconds; at least backoffSeconds (default 600).' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(RETRY_LIMITS.maxBackoffSeconds)
  maxBackoffSeconds?: number;
}

/** The policy fields a DTO carries, as core takes them (the instance also has no others: whitelisted). */
export function retryInput(dto: RetryPolicyDto | undefined): RetryPolicyInput | undefined {
  if (!dto) return undefined;
  const { maxAttempts, backoffSeconds, backoffMultiplier, maxBackoffSeconds } = dto;
  const given = Object.entries({ maxAttempts, backoffSeconds, backoffMultiplier, maxBackoffSeconds }).filter(
    ([, v]) => v !== undefined && v !== null,
  );
  return given.length ? Object.fromEntries(given) : undefined;
}

export class CreatePipelineDto {
  @IsString()
  @MaxLength(PIPELINE_NAME_MAX)
  name!: string;

  @IsUUID()
  workflowId!: string;

  @IsOptional()
  @IsString()
  @MaxLength(65_535)
  description?: string;

  @IsOptional()
  @IsIn(PIPELINE_TYPES)
  type?: PipelineType;

  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RetryPolicyDto)
  retry?: RetryPolicyDto;
  @JSONSchema({
    description: `Wall-clock limit of a run in seconds (1–${RUN_TIMEOUT_SECONDS_MAX}), capped by the operator's maximum (PIPEWRIGHT_RUN_TIMEOUT_MS); null: the operator's maximum only.`,
  })
  @ValidateIf(
    (o: { runTimeoutSeconds?: number | null }) => o.runTimeoutSeconds !== undefined && o.runTimeoutSeconds !== null,
  )
  @IsInt()
  @Min(1)
  @Max(RUN_TIMEOUT_SECONDS_MAX)
  runTimeoutSeconds?: number | null;
}

/** A partial update: fields left out stay as they are. */
export class UpdatePipelineDto {
  @IsOptional()
  @IsString()
  @MaxLength(PIPELINE_NAME_MAX)
  name?: string;

  @IsOptional()
  @IsString()
  @MaxLength(65_535)
  description?: string;

  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RetryPolicyDto)
  retry?: RetryPolicyDto;
  @JSONSchema({
    description: `Wall-clock limit of a run in seconds (1–${RUN_TIMEOUT_SECONDS_MAX}), capped by the operator's maximum (PIPEWRIGHT_RUN_TIMEOUT_MS); null: the operator's maximum only.`,
  })
  @ValidateIf(
    (o: { runTimeoutSeconds?: number | null }) => o.runTimeoutSeconds !== undefined && o.runTimeoutSeconds !== null,
  )
  @IsInt()
  @Min(1)
  @Max(RUN_TIMEOUT_SECONDS_MAX)
  runTimeoutSeconds?: number | null;
}
