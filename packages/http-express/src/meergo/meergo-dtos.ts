import 'reflect-metadata';
import { MAX_SEQ, PERIOD_NAMES } from '@pipewright/core';
import { IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, Max, Min } from 'class-validator';

/** Meergo's schedule periods in its own error message. */
export const PERIOD_MESSAGE = `schedule period can be ${PERIOD_NAMES.slice(0, -1)
  .map((p) => `"${p}"`)
  .join(', ')}, or "${PERIOD_NAMES.at(-1)}"`;

export const WAREHOUSE_MODES = ['Normal', 'Inspection', 'Maintenance'] as const;
export type WarehouseMode = (typeof WAREHOUSE_MODES)[number];

/** A source or destination as the body gives it: `connection` is an int id, a uuid or a name. */
export interface MeergoConnectorConfig {
  connector: string;
  connection?: number | string | null;
  settings?: Record<string, unknown>;
}

/**
 * A pipeline as POST and PUT /v1/pipelines take it (Meergo's PipelineToSet, our fields):
 * `workflow` names an existing workflow, or `source`/`filter`/`transformation`/`destination`
 * (with `inSchema`/`outSchema`) define one inline. Missing booleans are false, as in Go.
 */
export class PipelineToSetDto {
  // Lengths are the core's rules (one message per problem).
  @IsString()
  name!: string;

  @IsOptional()
  @IsString()
  description?: string | null;

  @IsOptional()
  @IsUUID()
  workflow?: string;

  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @IsOptional()
  @IsBoolean()
  incremental?: boolean;

  @IsOptional()
  @IsString()
  updatedAtColumn?: string | null;

  /**
   * The source's connection, by its int id (Meergo's `connection`): it becomes the
   * `connection` of `source`, which must be given.
   */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_SEQ)
  connection?: number | null;

  /**
   * `{connector, connection, settings}` of the source (e.g. `{"connector": "inline", "settings": {"records": [...]}}`,
   * `{"connector": "postgres", "connection": 3, "settings": {"table": "users"}}`); `connection` is a
   * connection's int id, uuid or name.
   */
  @IsOptional()
  @IsObject()
  source?: MeergoConnectorConfig | null;

  /** A JSONata expression; records for which it is false are dropped at the Filter stage. */
  @IsOptional()
  @IsString()
  filter?: string | null;

  /** A JSONata expression or `{handler: "<name>"}` (checked by the core). */
  @IsOptional()
  transformation?: string | { handler: string } | null;

  /** `{connector, connection, settings}` of the destination, as `source`. */
  @IsOptional()
  @IsObject()
  destination?: MeergoConnectorConfig | null;

  /** JSON Schema of the input records (InputValidation stage). */
  @IsOptional()
  @IsObject()
  inSchema?: Record<string, unknown> | null;

  /** JSON Schema of the output records (OutputValidation stage). */
  @IsOptional()
  @IsObject()
  outSchema?: Record<string, unknown> | null;
}

export class SetStatusDto {
  @IsOptional()
  @IsBoolean()
  enabled?: boolean | null;
}

export class SetScheduleDto {
  @IsOptional()
  @IsIn(PERIOD_NAMES, { message: PERIOD_MESSAGE })
  period?: string | null;
}

export class RunPipelineDto {
  @IsOptional()
  @IsBoolean()
  incremental?: boolean | null;
}

export class SetWarehouseModeDto {
  @IsIn(WAREHOUSE_MODES, { message: 'mode must be "Normal", "Inspection" or "Maintenance"' })
  mode!: WarehouseMode;

  @IsOptional()
  @IsBoolean()
  cancelIncompatibleOperations?: boolean;
}
