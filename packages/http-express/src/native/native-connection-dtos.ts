import 'reflect-metadata';
import { CONNECTION_NAME_MAX } from '@pipewright/core';
import { IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';

const KIND = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const kindMessage = {
  message: 'kind must be a connection kind such as "postgres" (see GET /admin/api/v1/connection-kinds)',
};

/** POST `/organizations/{slug}/connections`: settings and secrets together, in plaintext (never shown again). */
export class CreateConnectionDto {
  @IsString()
  @MaxLength(CONNECTION_NAME_MAX)
  name!: string;

  @JSONSchema({
    description:
      'The connection kind: postgres, webhook, filesystem or a plug-in kind (GET /admin/api/v1/connection-kinds).',
  })
  @IsString()
  @Matches(KIND, kindMessage)
  kind!: string;

  @IsOptional()
  @IsString()
  @MaxLength(490)
  description?: string | null;

  @JSONSchema({
    description:
      "The kind's settings, secrets included (e.g. postgres: host, port, database, user, password, ssl; or a connectionString). Secrets are sealed and never shown again.",
  })
  @IsOptional()
  @IsObject()
  settings?: Record<string, unknown>;
}

/**
 * PATCH `/organizations/{slug}/connections/{id}`: fields left out stay. `settings` is merged
 * into the current ones: a secret sent as "********" or left out keeps its value, a new value
 * rotates it, null removes it (null also removes a setting that is not secret).
 */
export class UpdateConnectionDto {
  @IsOptional()
  @IsString()
  @MaxLength(CONNECTION_NAME_MAX)
  name?: string;

  @IsOptional()
  @IsString()
  @MaxLength(490)
  description?: string | null;

  @JSONSchema({
    description:
      'Settings to change, merged into the current ones; a secret sent as "********" or left out keeps its value, null removes a field.',
  })
  @IsOptional()
  @IsObject()
  settings?: Record<string, unknown>;
}

/** POST `/organizations/{slug}/connections/test`: settings not saved yet. */
export class TestConnectionDto {
  @IsString()
  @Matches(KIND, kindMessage)
  kind!: string;

  @IsOptional()
  @IsObject()
  settings?: Record<string, unknown>;
}
