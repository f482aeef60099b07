import type { DomainEvent, EventSink } from '@pipewright/core';
import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What /metrics reports of the run queue, when this process uses one. */
export interface QueueGauges {
  depth(): Promise<{ queued: number; active: number; deferred: number }>;
  workers(): Promise<{ alive: boolean; running: number }[]>;
}

/** Prometheus metrics: HTTP latency by route set, runs by final status, scheduler fires. */
export class ServerMetrics implements EventSink {
  readonly registry = new Registry();
  private readonly http = new Histogram({
    name: 'pipewright_http_request_duration_seconds',
    help: 'HTTP request latency by route set, method and status class',
    labelNames: ['route_set', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  private readonly runsFinished = new Counter({
    name: 'pipewright_runs_finished_total',
    help: 'Runs that ended, by status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  private readonly runsStarted = new Counter({
    name: 'pipewright_runs_started_total',
    help: 'Runs that started executing',
    registers: [this.registry],
  });
  private readonly runRetries = new Counter({
    name: 'pipewright_run_retries_total',
    help: 'Attempts that failed with a retryable error and were retried',
    registers: [this.registry],
  });
  readonly scheduleFires = new Counter({
    name: 'pipewright_schedule_fires_total',
    help: 'Scheduler fires by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'pipewright_' });
  }

  /** Adds queue depth and worker liveness, read from the database on each scrape. */
  watchQueue(queue: QueueGauges): void {
    new Gauge({
      name: 'pipewright_run_queue_jobs',
      help: 'Run jobs in the queue by state (pg-boss counts, refreshed every few seconds)',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        const d = await queue.depth();
        this.set({ state: 'queued' }, d.queued);
        this.set({ state: 'active' }, d.active);
        // Queued jobs that start later: runs waiting for their next attempt.
        this.set({ state: 'deferred' }, d.deferred);
      },
    });
    new Gauge({
      name: 'pipewright_workers',
      help: 'Worker processes by liveness (heartbeat within the window and not stopped)',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        const all = await queue.workers();
        this.set({ state: 'alive' }, all.filter((w) => w.alive).length);
        this.set({ state: 'dead' }, all.filter((w) => !w.alive).length);
      },
    });
    new Gauge({
      name: 'pipewright_worker_runs_executing',
      help: 'Runs executing on live workers at their last heartbeat',
      registers: [this.registry],
      async collect() {
        this.set((await queue.workers()).filter((w) => w.alive).reduce((n, w) => n + w.running, 0));
      },
    });
  }

  /** Times every request and labels it with the route set its path belongs to. */
  middleware(routeSetOf: (path: string) => string): RequestHandler {
    return (req, res, next) => {
      const end = this.http.startTimer({ route_set: routeSetOf(req.path), method: req.method });
      res.on('finish', () => end({ status: `${Math.floor(res.statusCode / 100)}xx` }));
      next();
    };
  }

  publish(event: DomainEvent): void {
    if (event.type === 'run.finished') this.runsFinished.inc({ status: event.status });
    if (event.type === 'run.started') this.runsStarted.inc();
    if (event.type === 'run.retrying') this.runRetries.inc();
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** Which route set a path belongs to, for metric labels. */
export function routeSetOfPath(path: string): string {
  if (path.startsWith('/api/v1/unstract/') || path.startsWith('/deployment/')) return 'unstract';
  if (path.startsWith('/api/v1/flow/') || path.startsWith('/api/v1/jobs/')) return 'flow';
  if (path.startsWith('/v1/')) return 'meergo';
  if (path.startsWith('/admin/')) return 'native';
  if (path.startsWith('/api/v1/')) return 'zenml';
  return 'ops';
}
