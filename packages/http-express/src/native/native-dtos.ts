import 'reflect-metadata';
import { MAX_CONCURRENT_RUNS_LIMIT } from '@pipewright/core';
import {
  IsBoolean,
  IsDateString,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';

export class CreateOrganizationDto {
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9_-]{0,62}$/, { message: 'slug must be 1-63 lowercase letters, digits, "-" or "_"' })
  slug!: string;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  name?: string;
}

export class SetModeDto {
  @IsIn(['normal', 'inspection', 'maintenance'])
  mode!: 'normal' | 'inspection' | 'maintenance';
}

/** An organization's own limit on runs executing at once; null: the operator's default. */
export class SetRunLimitDto {
  @JSONSchema({
    description: `Runs of the organization executing at once, 1–${MAX_CONCURRENT_RUNS_LIMIT}; null: the operator's default (PIPEWRIGHT_ORG_RUN_CONCURRENCY).`,
  })
  @ValidateIf((o: SetRunLimitDto) => o.maxConcurrentRuns !== null)
  @IsInt()
  @Min(1)
  @Max(MAX_CONCURRENT_RUNS_LIMIT)
  maxConcurrentRuns!: number | null;
}

export class CreateUserDto {
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  name?: string;

  @IsOptional()
  @IsString()
  @Length(8, 1024)
  password?: string;

  @IsOptional()
  @IsIn(['admin', 'member'])
  role?: 'admin' | 'member';
}

export class AddMemberDto {
  @IsOptional()
  @IsUUID()
  userId?: string;

  @IsOptional()
  @IsEmail()
  email?: string;

  @IsOptional()
  @IsIn(['admin', 'member'])
  role?: 'admin' | 'member';
}

export class CreateApiKeyDto {
  @IsOptional()
  @IsString()
  @MaxLength(255)
  description?: string;

  @IsOptional()
  @IsDateString()
  expiresAt?: string;
}

export class ChangePasswordDto {
  @IsString()
  @MinLength(8)
  @MaxLength(1024)
  password!: string;
}

/** An invitation by email: the invitee accepts it to join. */
export class InviteDto {
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @IsOptional()
  @IsIn(['admin', 'member'])
  role?: 'admin' | 'member';
}

/** Grants (true) or revokes (false) a user's server role. */
export class SetServerAdminDto {
  @IsBoolean()
  serverAdmin!: boolean;
}
