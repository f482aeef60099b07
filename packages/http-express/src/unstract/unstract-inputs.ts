import type {
  ConnectorConfig,
  NewWorkflow,
  Pipeline,
  PipelineChanges,
  StageSettings,
  WorkflowChanges,
  WorkflowDefinition,
} from '@pipewright/core';
import type { UnstractPipelinePatchDto, UnstractWorkflowPatchDto } from './unstract-dtos.js';

/** Unstract request bodies (validated DTOs) → core inputs. Core checks the values themselves. */

/** An empty `cron_string` means "no schedule", as `bool(cron_string)` does in Unstract. */
export function cronOf(value: string | null | undefined): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/**
 * Changes for PUT/PATCH `pipeline/{id}/`. A `cron_string` equal to the current one keeps
 * the schedule as it is (so a round-tripped period or time zone set elsewhere survives).
 */
export function pipelineChanges(current: Pipeline, dto: UnstractPipelinePatchDto): PipelineChanges {
  const changes: PipelineChanges = {};
  if (dto.pipeline_name !== undefined) changes.name = dto.pipeline_name;
  if (dto.workflow !== undefined) changes.workflowId = dto.workflow;
  if (dto.pipeline_type !== undefined) changes.type = dto.pipeline_type;
  if (dto.active !== undefined) changes.enabled = dto.active;
  if (dto.cron_string !== undefined) {
    const cron = cronOf(dto.cron_string);
    const schedule = current.schedule;
    if (cron === null) changes.schedule = null;
    else if (!schedule || schedule.cronString(current.scheduleStart) !== cron) changes.schedule = { cron };
  }
  return changes;
}

function connectorOf(value: Record<string, unknown> | null): ConnectorConfig | null {
  if (value === null) return null;
  // Passed through as given: core reports a missing connector on `source_settings.connector`,
  // and resolves `connection` (an id or a name) within the organization.
  return {
    connector: value.connector as string,
    ...(value.connection !== undefined ? { connection: value.connection as string | null } : {}),
    settings: (value.settings ?? {}) as Record<string, unknown>,
  };
}

function stagesOf(value: Record<string, unknown> | null): StageSettings {
  if (value === null) return {};
  const out: StageSettings = {};
  if (value.input_schema !== undefined) out.inputSchema = value.input_schema as StageSettings['inputSchema'];
  if (value.filter !== undefined) out.filter = value.filter as StageSettings['filter'];
  if (value.transformation !== undefined) out.transformation = value.transformation as StageSettings['transformation'];
  if (value.output_schema !== undefined) out.outputSchema = value.output_schema as StageSettings['outputSchema'];
  return out;
}

/** The parts of the definition the body gives (source_settings, destination_settings, stage_settings). */
function definitionOf(dto: UnstractWorkflowPatchDto): Partial<WorkflowDefinition> | undefined {
  const def: Partial<WorkflowDefinition> = {};
  if (dto.source_settings !== undefined) def.source = connectorOf(dto.source_settings);
  if (dto.destination_settings !== undefined) def.destination = connectorOf(dto.destination_settings);
  if (dto.stage_settings !== undefined) def.stages = stagesOf(dto.stage_settings);
  return Object.keys(def).length ? def : undefined;
}

export function newWorkflow(dto: UnstractWorkflowPatchDto & { workflow_name: string }): NewWorkflow {
  const definition = definitionOf(dto);
  return {
    name: dto.workflow_name,
    // Unstract stores "" for a workflow created without a description.
    description: dto.description ?? '',
    ...(dto.deployment_type !== undefined ? { deploymentType: dto.deployment_type } : {}),
    ...(definition ? { definition } : {}),
    ...(dto.max_file_execution_count !== undefined ? { maxFileExecutionCount: dto.max_file_execution_count } : {}),
    ...(dto.retry_on_interrupt !== undefined ? { retryOnInterrupt: dto.retry_on_interrupt } : {}),
  };
}

export function workflowChanges(dto: UnstractWorkflowPatchDto): WorkflowChanges {
  const definition = definitionOf(dto);
  const changes: WorkflowChanges = {};
  if (dto.workflow_name !== undefined) changes.name = dto.workflow_name;
  if (dto.description !== undefined) changes.description = dto.description;
  if (dto.deployment_type !== undefined) changes.deploymentType = dto.deployment_type;
  if (definition) changes.definition = definition;
  if (dto.max_file_execution_count !== undefined) changes.maxFileExecutionCount = dto.max_file_execution_count;
  if (dto.retry_on_interrupt !== undefined) changes.retryOnInterrupt = dto.retry_on_interrupt;
  if (dto.is_active !== undefined) changes.isActive = dto.is_active;
  return changes;
}

export function wantsSharing(body: { shared_users?: unknown; shared_to_org?: unknown }): boolean {
  return body.shared_users !== undefined || body.shared_to_org !== undefined;
}
