import type { Executor, Run, UploadedFile } from '@pipewright/core';
import { CANCEL_CHANNEL } from './queue-names.js';
import type { QueueConnection } from './queue-connection.js';

/**
 * Executes runs elsewhere: `submit` stores the run's uploaded files (then frees the server's
 * copies) and enqueues a job `{runId}` on pg-boss; a worker process (`pipewright worker`)
 * fetches and executes it.
 * `cancel` announces the run on a Postgres channel every worker listens to.
 */
export class QueueExecutor implements Executor {
  constructor(private readonly connection: QueueConnection) {}

  async submit(run: Run, options?: { files?: UploadedFile[] }): Promise<void> {
    const files = options?.files ?? [];
    try {
      // Files first: a worker may fetch the job the moment it is sent.
      await this.connection.uploads.save(run.id, files);
    } finally {
      // Stored (or failed): the server's copies are of no more use.
      await Promise.all(files.map((f) => f.discard?.().catch(() => {})));
    }
    await this.connection.enqueue(run.id, run.orgId);
  }

  async cancel(runId: string): Promise<void> {
    // The worker running it aborts at once; its heartbeat would notice the STOPPING status anyway.
    await this.connection.pool.query('SELECT pg_notify($1, $2)', [CANCEL_CHANNEL, runId]);
  }
}
