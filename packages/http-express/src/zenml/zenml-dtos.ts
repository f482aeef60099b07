import 'reflect-metadata';
import { TAG_COLORS, ValidationError, isUuid } from '@pipewright/core';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  MaxLength,
  Validate,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { parseBody } from '../shared/dto.js';
import { requestError } from './zenml-errors.js';

/** ZenML's STR_FIELD_MAX_LENGTH and TEXT_FIELD_MAX_LENGTH. */
const STR_MAX = 255;
const TEXT_MAX = 65_535;

/** PipelineRequest: `project` (name or id) may instead come from `?project_name_or_id`. */
export class ZenmlPipelineRequestDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(STR_MAX)
  name!: string;

  @IsOptional()
  @IsString()
  @MaxLength(TEXT_MAX)
  description?: string | null;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  tags?: string[] | null;

  @IsOptional()
  @IsString()
  project?: string;
}

/** PipelineUpdate: no rename; tags are names (auto-created) or ids. */
export class ZenmlPipelineUpdateDto {
  @IsOptional()
  @IsString()
  @MaxLength(TEXT_MAX)
  description?: string | null;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  add_tags?: string[] | null;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  remove_tags?: string[] | null;
}

@ValidatorConstraint({ name: 'notUuid' })
class NotUuid implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return !(typeof value === 'string' && isUuid(value.trim()));
  }
  defaultMessage(): string {
    return 'Value error, Tag names cannot be UUIDs.';
  }
}

/** TagRequest: a name that is not a UUID; non-exclusive and a random color unless given. */
export class ZenmlTagRequestDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(STR_MAX)
  @Validate(NotUuid)
  name!: string;

  @IsOptional()
  @IsBoolean()
  exclusive?: boolean;

  @IsOptional()
  @IsIn([...TAG_COLORS])
  color?: string;
}

/** Parses a JSON body as FastAPI would, answering problems with its 422 bare array. */
export function zenmlBody<T extends object>(cls: new () => T, body: unknown): T {
  if (body === undefined || body === null)
    throw requestError([{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }]);
  try {
    return parseBody(cls, body);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    throw requestError(
      e.issues.map((i) => ({
        type: i.code ?? 'value_error',
        loc: i.field === 'non_field_errors' ? ['body'] : ['body', ...i.field.split('.')],
        msg: i.message,
        input: null,
      })),
    );
  }
}
