import type { ConnectorConfig, StageSettings, WorkflowDefinition } from '@pipewright/core';
import type { MeergoConnectorConfig, PipelineToSetDto } from './meergo-dtos.js';
import { meergoBadRequest } from './meergo-errors.js';

const INLINE_FIELDS = ['source', 'filter', 'transformation', 'destination', 'inSchema', 'outSchema'] as const;

/** Whether the body defines a workflow inline (any of source, filter, transformation, destination, inSchema, outSchema). */
export function hasInlineDefinition(dto: PipelineToSetDto): boolean {
  return INLINE_FIELDS.some((f) => dto[f] !== undefined);
}

/** `workflow` and an inline definition exclude each other. */
export function assertOneWorkflowSource(dto: PipelineToSetDto): void {
  if (dto.workflow !== undefined && hasInlineDefinition(dto))
    throw meergoBadRequest(`workflow cannot be combined with ${INLINE_FIELDS.join(', ')}`);
  if (dto.connection !== undefined && dto.connection !== null && (dto.source === undefined || dto.source === null))
    throw meergoBadRequest('connection needs source: it is the connection of the source connector');
}

/** A source or destination in core terms (its `connection` already resolved to a uuid or name). */
function connectorConfig(c: MeergoConnectorConfig | null): ConnectorConfig | null {
  if (c === null) return null;
  return {
    connector: c.connector,
    ...(c.connection !== undefined && c.connection !== null ? { connection: String(c.connection) } : {}),
    settings: c.settings ?? {},
  };
}

/**
 * The parts of a workflow definition the body gives, in core terms (Meergo's inSchema/outSchema
 * are the core's inputSchema/outputSchema). Core merges the stage settings given into the
 * workflow's current ones.
 */
export function inlineDefinition(dto: PipelineToSetDto): Partial<WorkflowDefinition> {
  const stages: StageSettings = {};
  if (dto.filter !== undefined) stages.filter = dto.filter;
  if (dto.transformation !== undefined) stages.transformation = dto.transformation;
  if (dto.inSchema !== undefined) stages.inputSchema = dto.inSchema;
  if (dto.outSchema !== undefined) stages.outputSchema = dto.outSchema;
  return {
    ...(dto.source !== undefined ? { source: connectorConfig(dto.source) } : {}),
    ...(dto.destination !== undefined ? { destination: connectorConfig(dto.destination) } : {}),
    stages,
  };
}
