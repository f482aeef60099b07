import { UnavailableError, isDomainError, type Executor, type Run, type UploadedFile } from '@pipewright/core';
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
    await unavailableOnFailure(() => this.enqueue(run, options?.files ?? []));
  }

  async cancel(runId: string): Promise<void> {
    // The worker running it aborts at once; its heartbeat would notice the STOPPING status anyway.
    await unavailableOnFailure(() => this.connection.pool.query('SELECT pg_notify($1, $2)', [CANCEL_CHANNEL, runId]));
  }

  private async enqueue(run: Run, files: UploadedFile[]): Promise<void> {
    try {
      // Files first: a worker may fetch the job the moment it is sent.
      await this.connection.uploads.save(run.id, files);
    } finally {
      // Stored (or failed): the server's copies are of no more use.
      await Promise.all(files.map((f) => Promise.resolve(f.discard?.()).catch(() => {})));
    }
    await this.connection.enqueue(run.id, run.orgId);
  }
}

/**
 * The queue's database failing (lost, refused, out of connections) is the queue being
 * unavailable to the caller: a core error every dialect answers 503, whatever the driver said.
 */
async function unavailableOnFailure<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isDomainError(error)) throw error;
    throw new UnavailableError('The run queue is unavailable; try again shortly.', { cause: error });
  }
}
