import 'reflect-metadata';
import {
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { Type } from 'class-transformer';
import { JSONSchema } from 'class-validator-jsonschema';

/** Request bodies of Unstract's API deployments, with DRF's messages. */

const required = { message: 'This field is required.' };
const blank = { message: 'This field may not be blank.' };
const str = { message: 'Not a valid string.' };
const bool = { message: 'Must be a valid boolean.' };
const max = (n: number) => ({ message: `Ensure this field has no more than ${n} characters.` });
const int = { message: 'A valid integer is required.' };

/** PATCH `api/deployment/{id}/`: every field optional. */
export class UnstractApiDeploymentPatchDto {
  @IsOptional()
  @IsString(str)
  @IsNotEmpty(blank)
  @MaxLength(30, max(30))
  display_name?: string;

  @IsOptional()
  @IsString(str)
  @MaxLength(255, max(255))
  description?: string | null;

  @JSONSchema({ description: 'The workflow id.' })
  @IsOptional()
  @IsUUID('all', { message: 'Must be a valid UUID.' })
  workflow?: string;

  @IsOptional()
  @IsBoolean(bool)
  is_active?: boolean;

  @JSONSchema({ description: 'The name in the API URL: letters, digits, "-" and "_".' })
  @IsOptional()
  @IsString(str)
  @IsNotEmpty(blank)
  @MaxLength(30, max(30))
  @Matches(/^[a-zA-Z0-9_-]+$/, { message: 'Only letters, numbers, hyphen and underscores are allowed.' })
  api_name?: string;
}

/** POST/PUT `api/deployment/`: `workflow` and `api_name` are required (`display_name` defaults to "default api"). */
export class UnstractApiDeploymentDto {
  @IsOptional()
  @IsString(str)
  @IsNotEmpty(blank)
  @MaxLength(30, max(30))
  display_name?: string;

  @IsOptional()
  @IsString(str)
  @MaxLength(255, max(255))
  description?: string | null;

  @JSONSchema({ description: 'The workflow id.' })
  @IsDefined(required)
  @IsUUID('all', { message: 'Must be a valid UUID.' })
  workflow!: string;

  @IsOptional()
  @IsBoolean(bool)
  is_active?: boolean;

  @JSONSchema({ description: 'The name in the API URL: letters, digits, "-" and "_".' })
  @IsDefined(required)
  @IsString(str)
  @IsNotEmpty(blank)
  @MaxLength(30, max(30))
  @Matches(/^[a-zA-Z0-9_-]+$/, { message: 'Only letters, numbers, hyphen and underscores are allowed.' })
  api_name!: string;
}

/** POST `api/keys/api/` (and `api/keys/api/{api_id}/`): a key for an API deployment. */
export class UnstractDeploymentKeyDto {
  @IsOptional()
  @IsString(str)
  @MaxLength(255, max(255))
  description?: string | null;

  @IsOptional()
  @IsBoolean(bool)
  is_active?: boolean;

  @JSONSchema({ description: 'The API deployment id (or in the path).' })
  @IsOptional()
  @IsString(str)
  api?: string | null;

  @JSONSchema({ description: 'A pipeline id: refused here (a key has one target).' })
  @IsOptional()
  @IsString(str)
  pipeline?: string | null;
}

/** The form fields of `POST /deployment/api/{org}/{api_name}/` besides `files`. */
export class UnstractDeploymentExecuteDto {
  @JSONSchema({ description: 'Seconds to wait for the result (0–300); -1 (default) or 0 answers at once.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt(int)
  @Min(-1, { message: 'Ensure this value is greater than or equal to -1.' })
  @Max(300, { message: 'Ensure this value is less than or equal to 300.' })
  timeout?: number;

  @IsOptional()
  @IsIn([true, false, 'true', 'false', 'True', 'False', '1', '0'], bool)
  include_metadata?: boolean | string;

  @IsOptional()
  @IsIn([true, false, 'true', 'false', 'True', 'False', '1', '0'], bool)
  include_metrics?: boolean | string;

  @IsOptional()
  @IsIn([true, false, 'true', 'false', 'True', 'False', '1', '0'], bool)
  use_file_history?: boolean | string;
}
