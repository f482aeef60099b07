import { ConflictError, query, type Actor, type Core } from '@pipewright/core';

/**
 * ZenML's PipelineRequest names no workflow, but every core pipeline binds one. Pipelines
 * created through this dialect bind their project's default workflow, created on first
 * use (empty definition: a run completes with zero records) and shared with the whole
 * organization so every member's pipelines can bind it.
 */
export const ZENML_DEFAULT_WORKFLOW = 'zenml-default';

async function findDefault(core: Core, actor: Actor): Promise<string | null> {
  const page = await core.workflows.list(
    actor,
    query({ filters: [{ field: 'name', op: 'equals', value: ZENML_DEFAULT_WORKFLOW }], page: { page: 1, size: 1 } }),
  );
  return page.items[0]?.id ?? null;
}

/** The id of the actor's project default workflow, creating it when missing. */
export async function zenmlDefaultWorkflow(core: Core, actor: Actor): Promise<string> {
  const existing = await findDefault(core, actor);
  if (existing) return existing;
  try {
    const wf = await core.workflows.create(actor, {
      name: ZENML_DEFAULT_WORKFLOW,
      description: 'Bound by pipelines created through the ZenML-style API (ZenML pipelines name no workflow).',
    });
    await core.workflows.share(actor, wf.id, { userIds: [], toOrg: true });
    return wf.id;
  } catch (e) {
    // Another request created it first: use theirs.
    if (!(e instanceof ConflictError)) throw e;
    const created = await findDefault(core, actor);
    if (created) return created;
    throw new ConflictError('workflow', 'name', ZENML_DEFAULT_WORKFLOW, `The project's workflow "${ZENML_DEFAULT_WORKFLOW}" exists but is not shared with you.`);
  }
}
