import type { Executor, Run, UploadedFile } from '@pipewright/core';

/**
 * The engine needs the core (to report progress) and the core needs an executor: this
 * stands in for the executor until the engine is built, then forwards to it.
 */
export class DeferredExecutor implements Executor {
  private target: Executor | null = null;

  attach(target: Executor): void {
    this.target = target;
  }

  async submit(run: Run, options?: { files?: UploadedFile[] }): Promise<void> {
    if (!this.target) throw new Error('No executor attached');
    await this.target.submit(run, options);
  }

  async cancel(runId: string): Promise<void> {
    if (!this.target) throw new Error('No executor attached');
    await this.target.cancel(runId);
  }
}
