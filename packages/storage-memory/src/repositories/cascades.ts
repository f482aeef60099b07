import type { RowOf, TableName, Writer } from '../tables.js';

/** Deletes the rows of a table that match; returns how many went. */
export function deleteWhere<K extends TableName>(w: Writer, name: K, match: (row: RowOf<K>) => boolean): number {
  const doomed = [...w.table(name)].filter(([, row]) => match(row)).map(([id]) => id);
  if (doomed.length === 0) return 0;
  const table = w.mutable(name);
  for (const id of doomed) table.delete(id);
  return doomed.length;
}

/** Deletes runs with their child rows (logs and file executions). */
export function deleteRuns(w: Writer, runIds: ReadonlySet<string>): void {
  if (runIds.size === 0) return;
  deleteWhere(w, 'runs', (r) => runIds.has(r.id));
  deleteWhere(w, 'runLogs', (l) => runIds.has(l.runId));
  deleteWhere(w, 'fileExecutions', (f) => runIds.has(f.runId));
}

/** Deletes a pipeline, its runs, its API keys and tag links; unlinks it from other runs. */
export function deletePipelineCascade(w: Writer, pipelineId: string): void {
  if (!w.table('pipelines').has(pipelineId)) return;
  // Tag links live in the pipeline row, so they go with it.
  w.mutable('pipelines').delete(pipelineId);
  const own = new Set<string>();
  for (const run of w.table('runs').values()) if (run.pipelineId === pipelineId) own.add(run.id);
  deleteRuns(w, own);
  for (const run of [...w.table('runs').values()])
    if (run.linkedPipelineIds.includes(pipelineId))
      w.mutable('runs').set(run.id, {
        ...run,
        linkedPipelineIds: run.linkedPipelineIds.filter((id) => id !== pipelineId),
      });
  deleteWhere(w, 'apiKeys', (k) => k.kind === 'pipeline' && k.targetId === pipelineId);
}

/** Deletes a workflow with its file histories, pipeline-less runs and API deployments (with their keys). */
export function deleteWorkflowCascade(w: Writer, workflowId: string): void {
  if (!w.table('workflows').has(workflowId)) return;
  w.mutable('workflows').delete(workflowId);
  const deployments = new Set<string>();
  for (const d of w.table('apiDeployments').values()) if (d.workflowId === workflowId) deployments.add(d.id);
  deleteWhere(w, 'apiKeys', (k) => k.kind === 'deployment' && deployments.has(k.targetId));
  deleteWhere(w, 'apiDeployments', (d) => deployments.has(d.id));
  deleteWhere(w, 'fileHistories', (h) => h.workflowId === workflowId);
  const own = new Set<string>();
  for (const run of w.table('runs').values())
    if (run.pipelineId === null && run.workflowId === workflowId) own.add(run.id);
  deleteRuns(w, own);
}
