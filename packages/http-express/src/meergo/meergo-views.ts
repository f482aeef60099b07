import { emptyCounters, type Pipeline, type Run } from '@pipewright/core';
import type { Response } from 'express';

/** A Meergo JSON body: `application/json`, followed by a newline. */
export function sendJson(res: Response, value: unknown): void {
  const body = JSON.stringify(value) + '\n';
  res.status(200);
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

/** Handlers that return nothing answer 200 with an empty body. */
export function sendEmpty(res: Response): void {
  res.status(200).end();
}

/**
 * A pipeline as GET /v1/pipelines/{id} shows it. `id` is the int Meergo uses; `uuid` is the
 * id the other dialects use. `schedulePeriod` is null when there is no schedule or it is a
 * cron schedule (set through another dialect), which `scheduleCron` then shows.
 */
export function pipelineView(p: Pipeline, running: boolean) {
  const schedule = p.schedule;
  return {
    id: p.seq,
    uuid: p.id,
    name: p.name,
    description: p.description,
    workflow: p.workflowId,
    enabled: p.enabled,
    running,
    scheduleStart: p.scheduleStart,
    schedulePeriod: schedule?.period ?? null,
    ...(schedule && schedule.kind === 'cron'
      ? { scheduleCron: schedule.cronString(), scheduleTimezone: schedule.timezone }
      : {}),
    incremental: p.incremental,
    updatedAtColumn: p.updatedAtColumn,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

/**
 * A run as Meergo shows it: `startTime` is when it was started (created); while the run is
 * open, counters are all zero, `endTime` is null and `error` empty. `pipeline` is the int id
 * of the run's pipeline (runs without one are not shown; see PipelineSeqs).
 */
export function runView(run: Run, pipeline: number) {
  const open = run.isOpen;
  const { passed, failed } = open ? emptyCounters() : run.stages;
  return {
    id: run.seq,
    pipeline,
    startTime: run.createdAt.toISOString(),
    endTime: open ? null : (run.endedAt?.toISOString() ?? null),
    passed,
    failed,
    error: open ? '' : (run.error ?? ''),
  };
}
