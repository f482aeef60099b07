import type { Actor } from '@pipewright/core';
import type { TestServer } from '../support/test-server.js';

let counter = 0;
export const uniqueName = (prefix = 'flow-pipeline') => `${prefix}-${++counter}-${Date.now()}`;

/** A pipeline (with its own workflow) owned by the actor, made through the core as any dialect would. */
export async function pipelineOwnedBy(server: TestServer, actor: Actor, name = uniqueName()) {
  const wf = await server.core.workflows.create(actor, { name: `wf-${name}` });
  const { pipeline, key } = await server.core.pipelines.create(actor, { name, workflowId: wf.id });
  return { id: pipeline.id, seq: pipeline.seq, name: pipeline.name, workflowId: wf.id, pipelineKey: key.secret };
}

/** The body of a Flow response, with its HTTP status. */
export async function flowBody(res: Response): Promise<{ status: number; body: Record<string, unknown> }> {
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
