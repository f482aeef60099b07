// A trivial outside storage adapter: it keeps nothing itself and hands every call to another
// Storage (here the in-memory one), counting transactions. A real adapter maps each repository
// of the Storage port onto its own store the same way.
import type { Repositories, Storage } from '@pipewright/core';

export class CountingStorage implements Storage {
  transactions = 0;

  constructor(private readonly inner: Storage) {}

  get organizations() { return this.inner.organizations; }
  get users() { return this.inner.users; }
  get apiDeployments() { return this.inner.apiDeployments; }
  get memberships() { return this.inner.memberships; }
  get invitations() { return this.inner.invitations; }
  get pipelines() { return this.inner.pipelines; }
  get runs() { return this.inner.runs; }
  get runLogs() { return this.inner.runLogs; }
  get fileExecutions() { return this.inner.fileExecutions; }
  get workflows() { return this.inner.workflows; }
  get connections() { return this.inner.connections; }
  get fileHistories() { return this.inner.fileHistories; }
  get apiKeys() { return this.inner.apiKeys; }
  get tags() { return this.inner.tags; }

  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
    this.transactions++;
    return this.inner.transaction(work);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
