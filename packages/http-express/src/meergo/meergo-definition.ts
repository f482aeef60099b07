import type { StageSettings, WorkflowDefinition } from '@pipewright/core';
import type { PipelineToSetDto } from './meergo-dtos.js';
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
}

/**
 * The parts of a workflow definition the body gives, in core terms (Meergo's inSchema/outSchema
 * are the core's inputSchema/outputSchema). Stage settings not given keep `base`'s values.
 */
export function inlineDefinition(dto: PipelineToSetDto, base: StageSettings = {}): Partial<WorkflowDefinition> {
  const stages: StageSettings = { ...base };
  if (dto.filter !== undefined) stages.filter = dto.filter;
  if (dto.transformation !== undefined) stages.transformation = dto.transformation;
  if (dto.inSchema !== undefined) stages.inputSchema = dto.inSchema;
  if (dto.outSchema !== undefined) stages.outputSchema = dto.outSchema;
  return {
    ...(dto.source !== undefined ? { source: dto.source === null ? null : { connector: dto.source.connector, settings: dto.source.settings ?? {} } } : {}),
    ...(dto.destination !== undefined
      ? { destination: dto.destination === null ? null : { connector: dto.destination.connector, settings: dto.destination.settings ?? {} } }
      : {}),
    stages,
  };
}
