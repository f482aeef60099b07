import 'reflect-metadata';
import { IsBoolean, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';

const STR_MAX = 255;

/**
 * ZenML's UserUpdate, the fields this server keeps: `full_name`, `email_opted_in`,
 * `user_metadata` (merged over the stored object), and `is_admin` (an admin changing another
 * member's role). `name`/`email` (the login) and `active` may only repeat the current value;
 * `password` is changed elsewhere (see the route).
 */
export class ZenmlUserUpdateDto {
  @IsOptional()
  @IsString()
  @MaxLength(STR_MAX)
  name?: string | null;

  @IsOptional()
  @IsString()
  @MaxLength(STR_MAX)
  full_name?: string | null;

  @IsOptional()
  @IsString()
  @MaxLength(STR_MAX)
  email?: string | null;

  @IsOptional()
  @IsBoolean()
  email_opted_in?: boolean | null;

  @IsOptional()
  @IsObject()
  user_metadata?: Record<string, unknown> | null;

  @IsOptional()
  @IsBoolean()
  is_admin?: boolean | null;

  @IsOptional()
  @IsBoolean()
  active?: boolean | null;

  @IsOptional()
  @IsString()
  password?: string | null;

  @IsOptional()
  @IsString()
  old_password?: string | null;
}

/** ZenML's UserRequest: `name` is the login, which here is the email (`email` wins when both are given). */
export class ZenmlUserRequestDto {
  @IsString()
  @MaxLength(STR_MAX)
  name!: string;

  @IsOptional()
  @IsString()
  @MaxLength(STR_MAX)
  full_name?: string | null;

  @IsOptional()
  @IsString()
  @MaxLength(STR_MAX)
  email?: string | null;

  @IsOptional()
  @IsString()
  password?: string | null;

  @IsOptional()
  @IsBoolean()
  is_admin?: boolean | null;

  @IsOptional()
  @IsBoolean()
  active?: boolean | null;

  @IsOptional()
  @IsBoolean()
  email_opted_in?: boolean | null;

  @IsOptional()
  @IsObject()
  user_metadata?: Record<string, unknown> | null;
}
