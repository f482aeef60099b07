import type { Actor, Core } from '@pipewright/core';

/**
 * ZenML's PipelineRequest names no workflow, but every core pipeline binds one. Pipelines
 * created through this dialect bind their project's default workflow, created on first
 * use (empty definition: a run completes with zero records) and shared with the whole
 * organization so every member's pipelines can bind it.
 */
export const ZENML_DEFAULT_WORKFLOW = 'zenml-default';

/** The id of the actor's project default workflow, creating (and sharing) it when missing: one core use case. */
export async function zenmlDefaultWorkflow(core: Core, actor: Actor): Promise<string> {
  const wf = await core.workflows.ensureOrgDefault(actor, {
    name: ZENML_DEFAULT_WORKFLOW,
    description: 'Bound by pipelines created through the ZenML-style API (ZenML pipelines name no workflow).',
  });
  return wf.id;
}
